import Foundation
import Hummingbird
import Platform
import Spreadsheet

/// The auditor's view of the audit trail (DM-04, MON-02).
enum AuditController {
    static func query(_ request: Request) -> AuditQuery {
        AuditQuery(
            username: request.query("username"), patientID: request.query("patientId"), action: request.query("action"),
            outcome: request.query("outcome"), from: request.query("from"), to: request.query("to"))
    }

    /// An audit record with the role names an auditor reads (the record keeps the codes it was hashed with).
    struct AuditView: Encodable, Sendable {
        let record: AuditRecord
        let roleNames: String?
        func encode(to encoder: any Encoder) throws {
            try record.encode(to: encoder)
            var c = encoder.container(keyedBy: Key.self)
            try c.encodeIfPresent(roleNames, forKey: .roleNames)
        }
        enum Key: String, CodingKey { case roleNames }
    }

    static func roleNames(_ s: AppServices) async throws -> [String: String] {
        Dictionary(try await s.roles.list().map { ($0.code, $0.name) }, uniquingKeysWith: { a, _ in a })
    }

    static func readable(_ codes: String?, _ names: [String: String]) -> String? {
        codes.map { $0.split(separator: ",").map { names[String($0)] ?? String($0) }.joined(separator: "、") }
    }

    static func register(_ r: Routes) {
        let s = r.services
        r.get("api/audit", .permission(.auditView)) { request, _ in
            let page = try await s.audit.search(query(request), page: try request.pageRequest)
            let names = try await roleNames(s)
            return JSONResponse(
                Page(items: page.items.map { AuditView(record: $0, roleNames: readable($0.roles, names)) }, total: page.total,
                     request: try request.pageRequest))
        }
        r.get("api/audit/export.xlsx", .permission(.auditExport), audit: "audit.export", object: "audit_log") { request, context in
            let en = request.prefersEnglish
            let records = try await s.audit.export(query(request))
            let names = try await roleNames(s)
            context.auditNote.set(detail: "导出 \(records.count) 条")
            let header =
                en
                ? [
                    "No.", "Time (UTC)", "User", "Roles", "Client IP", "Action", "Object type", "Object", "Patient ID", "Outcome", "Detail",
                    "Hash",
                ]
                : ["序号", "时间（UTC）", "用户", "角色", "客户端IP", "操作", "对象类型", "对象", "患者ID", "结果", "详情", "记录哈希"]
            let outcomes =
                en ? ["success": "success", "failure": "failure", "denied": "denied"] : ["success": "成功", "failure": "失败", "denied": "拒绝"]
            let rows: [[SheetCell]] = records.map { a in
                [
                    .number(Double(a.id)), .text(a.at), .text(a.username ?? ""), .text((en ? a.roles : readable(a.roles, names)) ?? ""), .text(a.clientIp ?? ""),
                    .text(a.action),
                    .text(a.objectType ?? ""), .text(a.objectId ?? ""), .text(a.patientId ?? ""), .text(outcomes[a.outcome] ?? a.outcome),
                    .text(a.detail ?? ""), .text(a.hash),
                ]
            }
            let data = try XLSXWriter.data([
                Sheet(
                    name: en ? "Audit log" : "审计日志", header: header, rows: rows,
                    columnWidths: [8, 26, 14, 24, 16, 24, 12, 10, 14, 8, 40, 66])
            ])
            return FileResponse(data: data, contentType: XLSXWriter.contentType, filename: en ? "audit-log.xlsx" : "审计日志.xlsx")
        }
        r.get("api/audit/verify", .permission(.auditView), audit: "audit.verify", object: "audit_log") { request, context in
            var result = try await s.audit.verify()
            context.auditNote.set(detail: result.ok ? "校验通过，共 \(result.records) 条" : "第 \(result.brokenAt ?? 0) 条记录校验失败")
            if !request.prefersEnglish, let code = result.reasonCode {
                result.reason = code == "content_altered" ? "该记录内容与其哈希值不符，记录已被篡改" : "该记录与前一条记录的链接断开，有记录被删除或插入"
            }
            return JSONResponse(result)
        }
    }
}

/// Dictionaries (DICT-04..08): one generic set of routes for every kind.
enum DictionaryController {
    struct Field: Encodable, Sendable {
        struct Option: Encodable, Sendable {
            let value: String
            let label: String
        }
        let name: String
        let label: String
        let type: String
        let required: Bool
        let maxLength: Int?
        let min: Double?
        let max: Double?
        let options: [Option]?
        let ref: String?
        let listed: Bool
    }
    struct Kind: Encodable, Sendable {
        let kind: String
        let name: String
        let fields: [Field]
    }
    struct Kinds: Encodable, Sendable { let kinds: [Kind] }

    static func register(_ r: Routes) {
        let s = r.services
        r.get("api/dictionaries", .permission(.dictView)) { request, _ in
            let en = request.prefersEnglish
            return JSONResponse(
                Kinds(
                    kinds: DictionaryCatalog.kinds.map { k in
                        Kind(
                            kind: k.kind, name: en ? k.en : k.zh,
                            fields: k.fields.map { f in
                                Field(
                                    name: f.name, label: en ? f.en : f.zh, type: f.type.rawValue, required: f.required,
                                    maxLength: [.text, .textarea].contains(f.type) ? f.maxLength : nil, min: f.min, max: f.max,
                                    options: f.options.isEmpty ? nil : f.options.map { .init(value: $0.value, label: en ? $0.en : $0.zh) },
                                    ref: f.ref, listed: f.listed)
                            })
                    }))
        }
        r.get("api/dictionaries/:kind", .permission(.dictView)) { request, context in
            let kind = try DictionaryService.kind(context.parameters.get("kind") ?? "")
            var refs: [String: Int] = [:]
            for f in kind.fields where f.type == .ref {
                if let v = try request.queryInt(f.name) { refs[f.name] = v }
            }
            let query = DictionaryQuery(text: request.query("q"), active: request.queryBool("active"), refs: refs)
            return JSONResponse(try await s.dictionaries.list(kind.kind, query, page: try request.pageRequest))
        }
        r.get("api/dictionaries/:kind/export.xlsx", .permission(.dictView), audit: "dict.export", object: "dictionary") {
            request, context in
            let kind = try DictionaryService.kind(context.parameters.get("kind") ?? "")
            context.auditNote.set(objectID: kind.kind)
            let data = try await s.transfer.export(kind.kind, english: request.prefersEnglish)
            return FileResponse(
                data: data, contentType: XLSXWriter.contentType, filename: (request.prefersEnglish ? kind.en : kind.zh) + ".xlsx")
        }
        r.post("api/dictionaries/:kind/import", .permission(.dictManage), audit: "dict.import", object: "dictionary") { request, context in
            let kind = try DictionaryService.kind(context.parameters.get("kind") ?? "")
            context.auditNote.set(objectID: kind.kind)
            let data = try await request.bytes(limit: 5 * 1024 * 1024)
            let result = try await s.transfer.importSheet(kind.kind, data: data, scope: try context.require().scope(for: .dictManage))
            context.auditNote.set(detail: "新增 \(result.created) 条，更新 \(result.updated) 条")
            return JSONResponse(result)
        }
        r.get("api/dictionaries/:kind/:id", .permission(.dictView)) { _, context in
            JSONResponse(try await s.dictionaries.get(context.parameters.get("kind") ?? "", id: try context.intParameter("id")))
        }
        r.post("api/dictionaries/:kind", .permission(.dictManage), audit: "dict.create", object: "dictionary") { request, context in
            let kind = context.parameters.get("kind") ?? ""
            let record = try await s.dictionaries.create(
                kind, try await request.json([String: JSONValue].self, context: context),
                scope: try context.require().scope(for: .dictManage))
            context.auditNote.set(objectID: "\(kind)/\(record["id"]?.stringValue ?? "")")
            return JSONResponse(record, status: .created)
        }
        r.put("api/dictionaries/:kind/:id", .permission(.dictManage), audit: "dict.update", object: "dictionary") { request, context in
            let kind = context.parameters.get("kind") ?? ""
            let id = try context.intParameter("id")
            context.auditNote.set(objectID: "\(kind)/\(id)")
            return JSONResponse(
                try await s.dictionaries.update(
                    kind, id: id, try await request.json([String: JSONValue].self, context: context),
                    scope: try context.require().scope(for: .dictManage)))
        }
        r.delete("api/dictionaries/:kind/:id", .permission(.dictManage), audit: "dict.delete", object: "dictionary") { _, context in
            let kind = context.parameters.get("kind") ?? ""
            let id = try context.intParameter("id")
            context.auditNote.set(objectID: "\(kind)/\(id)")
            try await s.dictionaries.delete(kind, id: id, scope: try context.require().scope(for: .dictManage))
            return NoContent()
        }
    }
}
