import Archive
import DICOMNetwork
import Foundation
import Hummingbird
import Platform

/// DICOM administration: known application entities with a C-ECHO test, live associations, recent DIMSE
/// activity, and worklist items (until the scheduling module feeds the worklist).
enum DICOMController {
    struct Status: Encodable, Sendable {
        let aeTitle: String
        let port: Int
        let acceptAnyCallingAE: Bool
        let duplicatePolicy: String
        let maxAssociations: Int
        let services: [String]
    }

    struct Association: Encodable, Sendable {
        let id: String
        let callingAETitle: String
        let calledAETitle: String
        let peerHost: String
        let direction: String
        let startedAt: String
        let messages: Int
        let lastOperation: String?
    }

    /// A node as a reader sees it when choosing a remote PACS.
    struct RemoteNode: Encodable {
        let id: Int
        let aeTitle: String
        let description: String
        init(_ ae: ApplicationEntity) {
            id = ae.id
            aeTitle = ae.aeTitle
            description = ae.description
        }
    }

    static func register(_ r: Routes) {
        let s = r.services
        let archive = s.archive
        r.get("api/dicom/status", .permission(.monitorView)) { _, _ in
            JSONResponse(
                Status(aeTitle: s.config.aeTitle, port: s.config.dicomPort, acceptAnyCallingAE: s.config.dicomAcceptAnyAE,
                       duplicatePolicy: s.config.dicomDuplicates, maxAssociations: s.config.dicomMaxAssociations,
                       services: ApplicationEntityService.services))
        }
        r.get("api/dicom/application-entities", .permission(.dicomNodesManage)) { request, _ in
            JSONResponse(try await archive.applicationEntities.list(text: request.query("q"), page: try request.pageRequest))
        }
        // Readers choose a remote PACS to query without seeing (or being able to change) the node table.
        r.get("api/dicom/remote-nodes", .permission(.studyView)) { _, _ in
            let page = try await archive.applicationEntities.list(text: nil, page: PageRequest(page: 1, pageSize: 200))
            return JSONResponse(["items": page.items.filter(\.active).map(RemoteNode.init)])
        }
        r.get("api/dicom/application-entities/:id", .permission(.dicomNodesManage)) { _, context in
            JSONResponse(try await archive.applicationEntities.get(try context.intParameter("id")))
        }
        r.post("api/dicom/application-entities", .permission(.dicomNodesManage), audit: "dicom.ae.create", object: "application_entity") {
            request, context in
            let input = try await request.json(ApplicationEntityInput.self, context: context)
            let created = try await archive.applicationEntities.create(input)
            context.auditNote.set(objectID: String(created.id), detail: "\(created.aeTitle)@\(created.host):\(created.port)")
            return JSONResponse(created, status: .created)
        }
        r.put("api/dicom/application-entities/:id", .permission(.dicomNodesManage), audit: "dicom.ae.update", object: "application_entity") {
            request, context in
            let input = try await request.json(ApplicationEntityInput.self, context: context)
            let updated = try await archive.applicationEntities.update(try context.intParameter("id"), input)
            context.auditNote.set(detail: "\(updated.aeTitle)@\(updated.host):\(updated.port)")
            return JSONResponse(updated)
        }
        r.delete("api/dicom/application-entities/:id", .permission(.dicomNodesManage), audit: "dicom.ae.delete", object: "application_entity") {
            _, context in
            try await archive.applicationEntities.delete(try context.intParameter("id"))
            return Response(status: .noContent)
        }
        r.post("api/dicom/application-entities/:id/echo", .permission(.dicomNodesManage), audit: "dicom.echo", object: "application_entity") {
            _, context in
            let result = try await archive.remote.echo(try context.intParameter("id"))
            context.auditNote.set(detail: result.ok ? "C-ECHO 成功" : result.message)
            return JSONResponse(result)
        }
        r.post("api/dicom/application-entities/:id/query", .permission(.studyView), audit: "dicom.remote.query", object: "application_entity") {
            request, context in
            let input = try await request.json(RemoteQueryService.StudyQuery.self, context: context)
            let studies = try await archive.remote.findStudies(on: try context.intParameter("id"), input)
            context.auditNote.set(
                patientID: input.patientId, detail: "查询远程节点：\(studies.count) 个检查" + (input.patientName.map { "，姓名 \($0)" } ?? ""))
            return JSONResponse(["items": studies])
        }
        r.post("api/dicom/application-entities/:id/retrieve", .permission(.studyView), audit: "dicom.remote.retrieve", object: "application_entity") {
            request, context in
            let input = try await request.json(RemoteQueryService.RetrieveRequest.self, context: context)
            let outcome = try await archive.remote.retrieve(from: try context.intParameter("id"), input)
            context.auditNote.set(detail: "获取检查 \(input.studyInstanceUID ?? "")：\(outcome.message)")
            return JSONResponse(outcome)
        }
        r.get("api/dicom/associations", .permission(.monitorView)) { _, _ in
            let items = archive.associations.all.map {
                Association(id: $0.info.id, callingAETitle: $0.info.callingAETitle, calledAETitle: $0.info.calledAETitle, peerHost: $0.info.peerHost,
                            direction: $0.direction, startedAt: Timestamp.string($0.info.startedAt), messages: $0.messages, lastOperation: $0.lastOperation)
            }
            return JSONResponse(["items": items])
        }
        r.get("api/dicom/activity", .permission(.monitorView)) { request, _ in
            JSONResponse(
                try await archive.activity.list(aeTitle: request.query("ae"), failuresOnly: request.queryBool("failures") ?? false,
                                                page: try request.pageRequest))
        }
        r.get("api/worklist/items", .permission(.registrationManage)) { request, _ in
            JSONResponse(try await archive.worklist.list(date: request.query("date"), status: request.query("status"), page: try request.pageRequest))
        }
        r.post("api/worklist/items", .permission(.registrationManage), audit: "worklist.create", object: "worklist_item") { request, context in
            let input = try await request.json(WorklistItemInput.self, context: context)
            let item = try await archive.worklist.create(input)
            context.auditNote.set(objectID: String(item.id), patientID: item.patientId, detail: "检查号 \(item.accessionNumber)")
            return JSONResponse(item, status: .created)
        }
    }
}
