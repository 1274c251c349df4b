import Archive
import Foundation
import Hummingbird
import Platform
import Spreadsheet

/// Data management (DM-01..07): archived studies with cloud upload status, completeness, statistics with Excel
/// export, upload status by category, re-running failed cloud uploads, and who opened a study.
enum ArchiveController {
    static func query(_ request: Request) throws -> ArchiveCatalog.StudyQuery {
        var q = ArchiveCatalog.StudyQuery()
        q.patientName = request.query("patientName")
        q.patientId = request.query("patientId")
        q.accessionNumber = request.query("accessionNumber")
        q.modality = request.query("modality")
        q.studyFrom = request.query("studyFrom")
        q.studyTo = request.query("studyTo")
        q.receivedFrom = request.query("receivedFrom")
        q.receivedTo = request.query("receivedTo")
        q.institutionId = try request.queryInt("institutionId")
        q.cloud = request.query("cloud")
        return q
    }

    static func describe(_ request: Request) -> String {
        String((request.uri.query ?? "").removingPercentEncoding?.prefix(300) ?? "")
    }

    static func register(_ r: Routes) {
        let archive = r.services.archive
        let catalog = archive.catalog
        r.get("api/archive/studies", .permission(.archiveManage), audit: "archive.search", object: "study") { request, context in
            let principal = try context.require()
            let page = try await catalog.studies(try query(request), scope: principal.scope(for: .archiveManage), page: try request.pageRequest)
            context.auditNote.set(detail: "检索归档检查 \(describe(request))：\(page.total) 条")
            return JSONResponse(page)
        }
        r.get("api/archive/studies/export.xlsx", .permission(.archiveManage), audit: "archive.export", object: "study") { request, context in
            let principal = try context.require()
            let rows = try await catalog.allStudies(try query(request), scope: principal.scope(for: .archiveManage))
            context.auditNote.set(detail: "导出归档检查清单 \(describe(request))：\(rows.count) 条")
            let en = request.prefersEnglish
            let header =
                en
                ? ["Patient", "Patient ID", "Sex", "Accession", "Exam date", "Modality", "Description", "Campus", "Series", "Images", "Size (MB)",
                   "Archived at", "Cloud upload", "Uploaded", "Waiting", "Failed", "Study UID"]
                : ["姓名", "患者ID", "性别", "检查号", "检查日期", "设备类型", "检查描述", "院区", "序列数", "图像数", "大小（MB）", "归档时间",
                   "上传状态", "已上传", "待上传", "失败", "检查 UID"]
            let states = en
                ? ["uploaded": "uploaded", "partial": "partial", "pending": "waiting", "failed": "failed"]
                : ["uploaded": "已上传", "partial": "部分上传", "pending": "待上传", "failed": "上传失败"]
            let sheetRows: [[SheetCell]] = rows.map { s in
                [.text(s.patientName), .text(s.patientId), .text(s.sex), .text(s.accessionNumber), .text(s.studyDate), .text(s.modalities),
                 .text(s.description), .text(s.institutionName), .number(Double(s.numSeries)), .number(Double(s.numInstances)),
                 .number((Double(s.sizeBytes) / 1_048_576 * 10).rounded() / 10), .text(s.archivedAt), .text(states[s.cloud.state] ?? s.cloud.state),
                 .number(Double(s.cloud.uploaded)), .number(Double(s.cloud.pending)), .number(Double(s.cloud.failed)), .text(s.studyUID)]
            }
            let data = try XLSXWriter.data([
                Sheet(name: en ? "Archived studies" : "归档检查", header: header, rows: sheetRows,
                      columnWidths: [12, 14, 6, 16, 12, 10, 28, 18, 8, 8, 10, 26, 10, 8, 8, 8, 60])
            ])
            return FileResponse(data: data, contentType: XLSXWriter.contentType, filename: en ? "archived-studies.xlsx" : "归档检查.xlsx")
        }
        r.get("api/archive/studies/:study/completeness", .permission(.archiveManage), audit: "archive.completeness", object: "study") {
            _, context in
            let principal = try context.require()
            let result = try await catalog.completeness(studyUID: try context.require("study"), scope: principal.scope(for: .archiveManage))
            context.auditNote.set(objectID: result.studyUID, detail: "完整性检查：\(result.reason)")
            return JSONResponse(result)
        }
        r.get("api/archive/studies/:study/access", .permission(.archiveManage), audit: "archive.access-log", object: "study") { request, context in
            let principal = try context.require()
            let study = try context.require("study")
            context.auditNote.set(objectID: study, detail: "查看影像访问记录")
            return JSONResponse(try await catalog.accessLog(studyUID: study, scope: principal.scope(for: .archiveManage), page: try request.pageRequest))
        }
        r.get("api/archive/statistics", .permission(.archiveManage)) { request, context in
            let principal = try context.require()
            let rows = try await catalog.statistics(by: request.query("by") ?? "modality", from: request.query("from"), to: request.query("to"),
                                                    scope: principal.scope(for: .archiveManage))
            return JSONResponse(["items": rows])
        }
        r.get("api/archive/statistics/export.xlsx", .permission(.archiveManage), audit: "archive.statistics.export", object: "study") {
            request, context in
            let principal = try context.require()
            let by = request.query("by") ?? "modality"
            let rows = try await catalog.statistics(by: by, from: request.query("from"), to: request.query("to"),
                                                    scope: principal.scope(for: .archiveManage))
            let en = request.prefersEnglish
            let keyName: [String: (String, String)] = [
                "modality": ("设备类型", "Modality"), "studyMonth": ("检查月份", "Exam month"), "studyDay": ("检查日期", "Exam date"),
                "archiveMonth": ("归档月份", "Archive month"), "archiveDay": ("归档日期", "Archive date"), "institution": ("院区", "Campus"),
            ]
            let name = keyName[by] ?? (by, by)
            let header = en ? [name.1, "Studies", "Images", "Size (MB)"] : [name.0, "检查数", "图像数", "大小（MB）"]
            let data = try XLSXWriter.data([
                Sheet(name: en ? "Archive statistics" : "归档统计", header: header,
                      rows: rows.map { [.text($0.key), .number(Double($0.studies)), .number(Double($0.instances)),
                                        .number((Double($0.bytes) / 1_048_576 * 10).rounded() / 10)] },
                      columnWidths: [18, 10, 10, 12])
            ])
            context.auditNote.set(detail: "导出归档统计（\(name.0)）")
            return FileResponse(data: data, contentType: XLSXWriter.contentType, filename: en ? "archive-statistics.xlsx" : "归档统计.xlsx")
        }
        r.get("api/archive/upload-status", .permission(.archiveManage)) { request, context in
            let principal = try context.require()
            return JSONResponse(["items": try await catalog.uploadStatus(by: request.query("by") ?? "modality", scope: principal.scope(for: .archiveManage))])
        }
        r.get("api/archive/storage", .permission(.archiveManage)) { _, _ in
            JSONResponse(try await catalog.storageSummary(objectStore: archive.cloud.enabled))
        }
        r.post("api/archive/cloud/upload", .permission(.archiveManage), audit: "archive.cloud.upload", object: "study") { _, context in
            let result = try await archive.cloud.upload(now: true)
            context.auditNote.set(detail: "立即上传云端：成功 \(result.uploaded)，失败 \(result.failed)")
            return JSONResponse(result)
        }
        r.post("api/archive/cloud/retry-failed", .permission(.archiveManage), audit: "archive.cloud.retry", object: "study") { request, context in
            let study = request.query("study")
            let n = try await archive.cloud.retryFailed(studyUID: study)
            context.auditNote.set(objectID: study, detail: "重新上传失败任务 \(n) 个")
            return JSONResponse(["requeued": n])
        }
        r.post("api/archive/cloud/evict", .permission(.archiveManage), audit: "archive.cloud.evict", object: "study") { request, context in
            let days = try request.queryInt("olderThanDays")
            if let days, days < 0 { throw DomainError.badRequest("天数不能为负", "days cannot be negative") }
            let result = try await archive.cloud.evict(olderThanDays: days)
            context.auditNote.set(detail: "清理本地副本 \(result.evicted) 个（已在云端）")
            return JSONResponse(result)
        }
    }
}
