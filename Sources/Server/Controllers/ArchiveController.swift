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

    struct RuleKey: Encodable {
        let key, zh, en: String
        init(_ k: MatchingRules.Key) {
            key = k.rawValue
            zh = k.zh
            en = k.en
        }
    }

    struct EventPage: Encodable {
        let items: [ArchiveEvent]
        /// The cursor to send as `after` next time.
        let last: Int
    }

    struct RuleListing: Encodable {
        let items: [MatchingRules.Rule]
        let keys: [RuleKey]
    }

    /// 「名称」：条件 + 条件，处理方式，启用/停用 — for the audit trail.
    static func describe(_ rule: MatchingRules.Rule) -> String {
        let keys = rule.keys.map(\.zh).joined(separator: " + ")
        let action = rule.action == .match ? "直接匹配" : "人工确认"
        return "「\(rule.name)」：\(keys)，\(action)，" + (rule.active ? "启用" : "停用")
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
        r.get("api/archive/patients", .permission(.archiveManage), audit: "archive.patients.search", object: "patient") { request, context in
            let principal = try context.require()
            let page = try await archive.patients.search(request.query("q"), scope: principal.scope(for: .archiveManage), page: try request.pageRequest)
            context.auditNote.set(detail: "检索患者 \(request.query("q") ?? "")：\(page.total) 个")
            return JSONResponse(page)
        }
        r.put("api/archive/patients/:id", .permission(.archiveManage), audit: "archive.patient.update", object: "patient") { request, context in
            let principal = try context.require()
            let input = try await request.json(PatientService.PatientInput.self, context: context)
            let patient = try await archive.patients.update(try context.intParameter("id"), input, scope: principal.scope(for: .archiveManage))
            context.auditNote.set(patientID: patient.patientId, detail: "修改患者信息：\(patient.name) \(patient.sex) \(patient.birthDate)，影像文件已同步")
            return JSONResponse(patient)
        }
        r.post("api/archive/patients/:id/merge", .permission(.archiveManage), audit: "archive.patient.merge", object: "patient") { request, context in
            struct Input: Decodable { let into: Int? }
            let principal = try context.require()
            guard let into = try await request.json(Input.self, context: context).into else {
                throw DomainError.validation([FieldError(field: "into", code: "required", zh: "请选择合并到哪位患者", en: "Choose the patient to merge into")])
            }
            let source = try context.intParameter("id")
            let merged = try await archive.patients.merge(source, into: into, scope: principal.scope(for: .archiveManage))
            context.auditNote.set(patientID: merged.patientId, detail: "患者 #\(source) 合并到 \(merged.patientId) \(merged.name)，共 \(merged.studies) 个检查")
            return JSONResponse(merged)
        }
        r.get("api/archive/match-queue", .permission(.archiveManage), audit: "archive.match-queue", object: "study") { request, context in
            let principal = try context.require()
            let page = try await archive.matcher.reviewQueue(scope: principal.scope(for: .archiveManage), page: try request.pageRequest)
            context.auditNote.set(detail: "查看待匹配检查 \(page.total) 个")
            return JSONResponse(page)
        }
        // MARK: Events (study arrived / complete / matched) for integrations, with long polling
        r.get("api/archive/events", .permission(.archiveManage)) { request, context in
            let principal = try context.require()
            let after = try request.queryInt("after") ?? 0
            let limit = try request.queryInt("limit") ?? 100
            let wait = min(max(try request.queryInt("wait") ?? 0, 0), 60)
            let kinds = (request.query("kind") ?? "").split(separator: ",").map(String.init)
            if let unknown = kinds.first(where: { ArchiveEvents.Kind(rawValue: $0) == nil }) {
                throw DomainError.validation([FieldError(field: "kind", code: "invalid", zh: "未知的事件类型：\(unknown)", en: "unknown event kind \(unknown)")])
            }
            let scope = principal.scope(for: .archiveManage)
            let items = wait > 0
                ? try await archive.events.wait(after: after, kinds: kinds, limit: limit, scope: scope, timeout: .seconds(wait))
                : try await archive.events.list(after: after, kinds: kinds, limit: limit, scope: scope)
            return JSONResponse(EventPage(items: items, last: items.last?.id ?? after))
        }

        // MARK: Matching rules (DCM-06): the department's own, after the built-in ones
        r.get("api/archive/matching-rules", .permission(.archiveManage)) { _, _ in
            JSONResponse(RuleListing(items: try await archive.matchingRules.list(), keys: MatchingRules.Key.allCases.map(RuleKey.init)))
        }
        r.post("api/archive/matching-rules", .permission(.archiveManage), audit: "archive.matching-rule.create", object: "matching_rule") { request, context in
            let rule = try await archive.matchingRules.create(try await request.json(MatchingRules.Input.self, context: context))
            context.auditNote.set(objectID: String(rule.id), detail: "新增匹配规则：" + describe(rule))
            return JSONResponse(rule, status: .created)
        }
        r.put("api/archive/matching-rules/:id", .permission(.archiveManage), audit: "archive.matching-rule.update", object: "matching_rule") { request, context in
            let id = try context.intParameter("id")
            let rule = try await archive.matchingRules.update(id, try await request.json(MatchingRules.Input.self, context: context))
            context.auditNote.set(objectID: String(id), detail: "修改匹配规则：" + describe(rule))
            return JSONResponse(rule)
        }
        r.delete("api/archive/matching-rules/:id", .permission(.archiveManage), audit: "archive.matching-rule.delete", object: "matching_rule") { _, context in
            let id = try context.intParameter("id")
            try await archive.matchingRules.delete(id)
            context.auditNote.set(objectID: String(id), detail: "删除匹配规则 #\(id)")
            return Response(status: .noContent)
        }
        r.post("api/archive/studies/:study/match", .permission(.archiveManage), audit: "archive.match", object: "study") { request, context in
            struct Input: Decodable { let examId: Int? }
            let principal = try context.require()
            let input = try await request.json(Input.self, context: context)
            guard let exam = input.examId else {
                throw DomainError.validation([FieldError(field: "examId", code: "required", zh: "请选择要匹配的检查预约", en: "Choose the exam")])
            }
            let study = try context.require("study")
            try await archive.matcher.match(studyUID: study, examID: exam, scope: principal.scope(for: .archiveManage), by: principal.displayName)
            context.auditNote.set(objectID: study, detail: "人工匹配到检查预约 #\(exam)")
            return Response(status: .noContent)
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
        r.post("api/archive/verify", .permission(.archiveManage), audit: "archive.verify", object: "study") { request, context in
            let principal = try context.require()
            let study = request.query("study")
            if let study { _ = try await archive.wado.studyMetadataVisible(study: study, scope: principal.scope(for: .archiveManage)) }
            let result = try await archive.integrity.verify(studyUID: study, limit: 1000)
            context.auditNote.set(objectID: study, detail: "校验影像完整性：检查 \(result.checked)，正常 \(result.ok)，修复 \(result.restored)，损坏 \(result.corrupt)，缺失 \(result.missing)")
            return JSONResponse(result)
        }
        r.post("api/archive/cloud/upload", .permission(.archiveManage), audit: "archive.cloud.upload", object: "study") { _, context in
            let result = try await archive.cloud.upload(now: true, scope: try context.require().scope(for: .archiveManage))
            context.auditNote.set(detail: "立即上传云端：成功 \(result.uploaded)，失败 \(result.failed)")
            return JSONResponse(result)
        }
        r.post("api/archive/cloud/retry-failed", .permission(.archiveManage), audit: "archive.cloud.retry", object: "study") { request, context in
            let study = request.query("study")
            let n = try await archive.cloud.retryFailed(studyUID: study, scope: try context.require().scope(for: .archiveManage))
            context.auditNote.set(objectID: study, detail: "重新上传失败任务 \(n) 个")
            return JSONResponse(["requeued": n])
        }
        r.post("api/archive/cloud/evict", .permission(.archiveManage), audit: "archive.cloud.evict", object: "study") { request, context in
            let days = try request.queryInt("olderThanDays")
            if let days, days < 0 { throw DomainError.badRequest("天数不能为负", "days cannot be negative") }
            let result = try await archive.cloud.evict(olderThanDays: days, scope: try context.require().scope(for: .archiveManage))
            context.auditNote.set(detail: "清理本地副本 \(result.evicted) 个（已在云端）")
            return JSONResponse(result)
        }
    }
}

/// Uploads of photos, scanned forms and PDFs (DCM-08), as multipart/form-data: the patient or study fields, then
/// one or more `file` parts. Each file is converted and filed; the answer lists what happened to each.
enum ConversionController {
    static let maxFileBytes = 200 * 1024 * 1024
    static let maxFiles = 50

    static func register(_ r: Routes) {
        let archive = r.services.archive
        r.post("api/archive/convert", .permission(.archiveManage), audit: "archive.convert", object: "study") { request, context in
            let principal = try context.require()
            let (fields, files) = try await formData(request, storage: archive.storage)
            var cleanup = files
            defer { for f in cleanup { try? FileManager.default.removeItem(at: f.url) } }
            guard !files.isEmpty else {
                throw DomainError.validation([FieldError(field: "file", code: "required", zh: "请选择要上传的文件", en: "Choose at least one file")])
            }
            var target = ConversionTarget()
            target.patientID = fields["patientId"] ?? ""
            target.patientName = fields["patientName"] ?? ""
            target.sex = (fields["sex"] ?? "").uppercased()
            target.birthDate = (fields["birthDate"] ?? "").replacingOccurrences(of: "-", with: "")
            target.accessionNumber = fields["accessionNumber"] ?? ""
            target.studyUID = fields["studyUID"] ?? ""
            target.studyDescription = fields["studyDescription"] ?? ""
            target.seriesDescription = fields["seriesDescription"] ?? ""
            target.title = fields["title"] ?? ""
            if let type = fields["conversionType"], ["SI", "DI", "DF", "WSD"].contains(type) { target.conversionType = type }
            let resolved = try await archive.conversion.resolve(target, scope: principal.scope(for: .archiveManage))
            let result = await archive.conversion.convert(files, target: resolved,
                                                          source: IngestSource(route: "upload", aeTitle: "", institutionID: principal.institutionID,
                                                                                scope: principal.scope(for: .archiveManage)))
            cleanup = []
            let ok = result.items.filter(\.ok).count
            context.auditNote.set(objectID: result.studyUID, patientID: resolved.patientID,
                                  detail: "上传转换 \(files.count) 个文件，成功 \(ok) 个：\(resolved.patientName)")
            return JSONResponse(result, status: ok == 0 ? .unprocessableContent : .created)
        }
    }

    /// Reads a multipart/form-data body: text fields in memory, files streamed to the incoming area.
    static func formData(_ request: Request, storage: TieredStorage) async throws -> (fields: [String: String], files: [(name: String, url: URL)]) {
        let contentType = request.headers[.contentType] ?? ""
        guard contentType.lowercased().hasPrefix("multipart/form-data"), let boundary = MultipartReader.boundary(of: contentType) else {
            throw DomainError(status: 415, code: "unsupported_media_type", zh: "请以 multipart/form-data 上传", en: "send multipart/form-data")
        }
        var reader = MultipartReader(boundary: boundary)
        var fields: [String: String] = [:]
        var files: [(name: String, url: URL)] = []
        var field: (name: String, value: Data)?
        var file: (name: String, url: URL, handle: UnsafeMutablePointer<FILE>, size: Int)?
        func fail(_ error: DomainError) throws -> Never {
            if let f = file { fclose(f.handle); unlink(f.url.path) }
            for f in files { try? FileManager.default.removeItem(at: f.url) }
            throw error
        }
        do {
            for try await chunk in request.body {
                for event in try reader.feed(chunk.readableBytesView) {
                    switch event {
                    case .part(let headers):
                        let disposition = headers["content-disposition"] ?? ""
                        let name = parameter("name", disposition) ?? ""
                        if let filename = parameter("filename", disposition) {
                            guard files.count < maxFiles else {
                                try fail(DomainError(status: 413, code: "too_many_files", zh: "一次最多上传 \(maxFiles) 个文件", en: "at most \(maxFiles) files"))
                            }
                            let url = try storage.incomingFile()
                            guard let handle = fopen(url.path, "wb") else { try fail(DomainError(status: 500, code: "storage", zh: "无法写入临时文件", en: "cannot write")) }
                            file = (filename.isEmpty ? "file\(files.count + 1)" : filename, url, handle, 0)
                        } else {
                            guard fields.count < 50 else { try fail(DomainError.badRequest("表单字段过多", "too many form fields")) }
                            field = (name, Data())
                        }
                    case .body(let data):
                        if var f = file {
                            f.size += data.count
                            file = f
                            if f.size > maxFileBytes {
                                try fail(DomainError(status: 413, code: "payload_too_large", zh: "单个文件不能超过 200 MB", en: "a file may not exceed 200 MB"))
                            }
                            let written = data.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f.handle) }
                            if written != data.count {
                                try fail(DomainError(status: 507, code: "storage_full", zh: "服务器磁盘写入失败", en: "the server could not write the upload"))
                            }
                        } else if var f = field {
                            f.value.append(data)
                            field = f
                            if f.value.count > 64 * 1024 { try fail(DomainError.badRequest("字段内容过长", "a form field is too long")) }
                        }
                    case .partEnd:
                        if let f = file {
                            file = nil
                            guard fclose(f.handle) == 0 else {
                                unlink(f.url.path)
                                try fail(DomainError(status: 507, code: "storage_full", zh: "服务器磁盘写入失败", en: "the server could not write the upload"))
                            }
                            files.append((f.name, f.url))
                        } else if let f = field {
                            fields[f.name] = String(decoding: f.value, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                            field = nil
                        }
                    }
                }
            }
            try reader.finish()
        } catch let failure as MultipartReader.Failure {
            try fail(DomainError(status: 400, code: "bad_multipart", zh: "上传内容格式不正确", en: "malformed multipart body: \(failure)"))
        } catch let error as DomainError {
            throw error  // already cleaned up by fail()
        } catch {
            // The client went away or the incoming area failed: nothing of this upload may stay behind.
            if let f = file { fclose(f.handle); unlink(f.url.path) }
            for f in files { try? FileManager.default.removeItem(at: f.url) }
            throw error
        }
        return (fields, files)
    }

    /// A parameter of a Content-Disposition value (`name="patientId"`, `filename="检查单.jpg"`).
    static func parameter(_ key: String, _ disposition: String) -> String? {
        for piece in MediaRange.splitOutsideQuotes(disposition, ";").dropFirst() {
            let kv = piece.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if kv.count == 2, kv[0].lowercased() == key { return kv[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        }
        return nil
    }
}
