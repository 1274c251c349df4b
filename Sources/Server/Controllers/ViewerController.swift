import Archive
import DICOMImaging
import Foundation
import HTTPTypes
import Hummingbird
import Platform

/// The viewer's own API beside DICOMweb: department window/level presets (VIEW-15) and study export as a ZIP of
/// original DICOM with a DICOMDIR or of JPEG images (VIEW-29, VIEW-30).
enum ViewerController {
    static func register(_ r: Routes) {
        let archive = r.services.archive

        // MARK: Department presets
        r.get("api/viewer/presets", .permission(.studyView)) { _, context in
            let principal = try context.require()
            return JSONResponse(try await archive.presets.get(userID: principal.userID, canEdit: principal.has(.viewerPresetsManage)))
        }
        r.put("api/viewer/presets", .permission(.viewerPresetsManage), audit: "viewer.presets.save", object: "department") { request, context in
            struct Input: Decodable { let presets: [ViewerPresets.Preset]? }
            let principal = try context.require()
            let input = try await request.json(Input.self, context: context)
            guard let presets = input.presets else {
                throw DomainError.validation([FieldError(field: "presets", code: "required", zh: "缺少预设列表", en: "presets are required")])
            }
            let saved = try await archive.presets.put(userID: principal.userID, presets: presets)
            context.auditNote.set(objectID: saved.departmentId.map(String.init),
                                  detail: "保存科室窗宽窗位预设 \(presets.count) 个：" + presets.map { "\($0.name) \(Int($0.width))/\(Int($0.center))" }.joined(separator: "，"))
            return JSONResponse(saved)
        }
        r.delete("api/viewer/presets", .permission(.viewerPresetsManage), audit: "viewer.presets.reset", object: "department") { _, context in
            let principal = try context.require()
            try await archive.presets.reset(userID: principal.userID)
            context.auditNote.set(detail: "科室窗宽窗位预设恢复为系统默认")
            return Response(status: .noContent)
        }

        // MARK: Export
        r.get("api/viewer/studies/:study/export", .permission(.studyView), audit: "viewer.export", object: "study") { request, context in
            let principal = try context.require()
            guard let format = StudyExport.Format(rawValue: request.query("format") ?? "dicom") else {
                throw DomainError.validation([FieldError(field: "format", code: "invalid", zh: "导出格式应为 dicom 或 jpeg", en: "format must be dicom or jpeg")])
            }
            func list(_ key: String) -> [String] {
                (request.query(key) ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            }
            let window = try request.query("window").map { try DICOMwebController.parseWindow($0) }
            let plan = try await archive.export.plan(
                study: try context.require("study"), series: list("series"), instances: list("instances"), format: format, window: window,
                scope: principal.scope(for: .studyView))
            // Every export is recorded: images leaving the system are what an auditor asks about first.
            context.auditNote.set(objectID: plan.study.studyUID, patientID: plan.study.patientID,
                                  detail: "导出 \(plan.instances.count) 个实例（\(format == .dicom ? "DICOM 原始文件及 DICOMDIR" : "JPEG 图像")）："
                                      + "\(plan.study.patientName) \(plan.study.studyUID)")
            var headers = HTTPFields()
            headers[.contentType] = "application/zip"
            headers[.contentDisposition] = contentDisposition(plan.fileName + ".zip")
            headers[.cacheControl] = "no-store"
            let body = ResponseBody { writer in
                try await StudyExport.stream(plan) { chunk in try await writer.write(ByteBuffer(bytes: chunk)) }
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: headers, body: body)
        }
    }

    /// `attachment` with an ASCII fallback name and the real (often Chinese) one per RFC 6266 / RFC 5987.
    static func contentDisposition(_ name: String) -> String {
        let ascii = String(name.map { $0.isASCII && $0 != "\"" && $0 != "\\" ? $0 : "_" })
        let encoded = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._"))) ?? ascii
        return "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(encoded)"
    }
}
