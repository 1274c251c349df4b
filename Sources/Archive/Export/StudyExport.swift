import DICOM
import DICOMImaging
import Foundation
import Platform
import SQLKit

/// Exports a study, some of its series or some of its instances as one ZIP (VIEW-29, VIEW-30): the original DICOM
/// files under a DICOMDIR (a file-set any workstation or CD viewer opens), or every frame rendered as JPEG.
public struct StudyExport: Sendable {
    public enum Format: String, Sendable {
        case dicom, jpeg
    }

    /// What will be exported, checked before the first byte goes out.
    public struct Plan: Sendable {
        public var study: StudyReference
        public var studyDate: String
        public var instances: [StoredInstance]
        public var format: Format
        public var window: Window?

        /// `<患者ID>_<检查日期>_DICOM.zip` (or `_JPEG`), path separators and control characters removed.
        public var fileName: String {
            let parts = [study.patientID, studyDate, format == .dicom ? "DICOM" : "JPEG"].filter { !$0.isEmpty }
            return StudyExport.safeName(parts.joined(separator: "_"))
        }
    }

    /// An export larger than this is refused (ask for some series): a browser download of a bigger study is better
    /// served by a DICOM retrieve to a workstation.
    public static let maximumInstances = 5000

    let wado: WADOService

    public init(wado: WADOService) {
        self.wado = wado
    }

    /// The instances to export, in series and instance order. `series` and `instances` narrow the study; naming
    /// one that is not in it is an error rather than a silently smaller file.
    public func plan(study: String, series: [String], instances: [String], format: Format, window: Window?, scope: Scope) async throws -> Plan {
        // Only what is exported is looked up: resolving an instance may fetch it back from the cloud archive.
        var reference: StudyReference
        var chosen: [StoredInstance]
        if series.isEmpty {
            (reference, chosen) = try await wado.instances(study: study, scope: scope)
        } else {
            reference = try await wado.studyMetadataVisible(study: study, scope: scope)
            // The study's series in the order the viewer and WADO-RS list them; the wanted ones in that order.
            let order = try await wado.database.read { sql in
                try await sql.raw("""
                    SELECT se.series_uid FROM series se JOIN studies s ON s.id = se.study_pk WHERE s.study_uid = \(bind: study)
                    ORDER BY LENGTH(se.series_number), se.series_number, se.id
                    """).all().map { try $0.string("series_uid") }
            }
            if let missing = series.first(where: { !order.contains($0) }) {
                throw DomainError(status: 404, code: "not_found", zh: "检查中没有该序列：\(missing)", en: "no series \(missing) in the study")
            }
            chosen = []
            for uid in order where series.contains(uid) {
                chosen += try await wado.instances(study: study, series: uid, scope: scope).instances
            }
        }
        if !instances.isEmpty {
            let present = Set(chosen.map(\.sopInstanceUID))
            if let missing = instances.first(where: { !present.contains($0) }) {
                throw DomainError(status: 404, code: "not_found", zh: "检查中没有该图像：\(missing)", en: "no instance \(missing) in the study")
            }
            let wanted = Set(instances)
            chosen = chosen.filter { wanted.contains($0.sopInstanceUID) }
        }
        guard chosen.count <= Self.maximumInstances else {
            throw DomainError(status: 413, code: "too_many_instances",
                              zh: "一次最多导出 \(Self.maximumInstances) 幅图像（本次 \(chosen.count) 幅），请选择部分序列",
                              en: "at most \(Self.maximumInstances) instances per export (asked for \(chosen.count)); choose some series")
        }
        let date = try await wado.database.read { sql in
            try await sql.raw("SELECT study_date FROM studies WHERE study_uid = \(bind: study)").first()?.stringOrNil("study_date")
        }
        return Plan(study: reference, studyDate: date ?? "", instances: chosen, format: format, window: window)
    }

    /// Writes the ZIP chunk by chunk through `write`; each file is read, named and added in turn, so memory holds
    /// one object at a time. Objects that cannot be rendered (reports, key-object documents) are left out of a
    /// JPEG export; an Encapsulated PDF goes in as the PDF itself. Returns the number of entries written.
    @discardableResult
    public static func stream(_ plan: Plan, write: (Data) async throws -> Void) async throws -> Int {
        var zip = ZipWriter()
        switch plan.format {
        case .dicom:
            var directory = DICOMDIRBuilder()
            var seriesNumbers: [String: Int] = [:]
            var imageCounts: [String: Int] = [:]
            for instance in plan.instances {
                let data = try Data(contentsOf: instance.url, options: .alwaysMapped)
                let file = try DICOMFile.read(data)
                let s = seriesNumbers[instance.seriesUID] ?? { seriesNumbers[instance.seriesUID] = seriesNumbers.count + 1; return seriesNumbers.count }()
                let n = (imageCounts[instance.seriesUID] ?? 0) + 1
                imageCounts[instance.seriesUID] = n
                // DICOM/S<series>/I<image>: File ID components of at most eight of A–Z, 0–9 and _ (PS3.10 8.2).
                let fileID = ["DICOM", String(format: "S%07d", s), String(format: "I%07d", n)]
                directory.add(fileID: fileID, file: file)
                try await write(zip.entry(name: fileID.joined(separator: "/"), data: data))
            }
            if directory.count > 0 { try await write(zip.entry(name: "DICOMDIR", data: directory.build())) }
        case .jpeg:
            var used = Set<String>()
            for instance in plan.instances {
                let file = try DICOMFile.read(contentsOf: instance.url)
                let ds = file.dataset
                let folder = safeName(["S" + (ds.string(Tag(0x0020, 0x0011)) ?? "0"), ds.string(.modality) ?? "", ds.string(Tag(0x0008, 0x103E)) ?? ""]
                    .filter { !$0.isEmpty }.joined(separator: "_"))
                let image = "IM" + String(format: "%04d", Int(ds.string(Tag(0x0020, 0x0013)) ?? "") ?? 0)
                func unique(_ name: String, _ ext: String) -> String {
                    var candidate = "\(folder)/\(name).\(ext)", n = 2
                    while used.contains(candidate) { candidate = "\(folder)/\(name)-\(n).\(ext)"; n += 1 }
                    used.insert(candidate)
                    return candidate
                }
                if instance.sopClassUID == "1.2.840.10008.5.1.4.1.1.104.1", let pdf = ds[Tag(0x0042, 0x0011)]?.bytes {
                    try await write(zip.entry(name: unique(image, "pdf"), data: Self.trimmedPDF(pdf)))
                    continue
                }
                guard ds[.pixelData] != nil, let frames = try? PixelFrames(file) else { continue }
                for frame in 0..<frames.count {
                    guard let rendered = try? Renderer.render(file, options: RenderOptions(frame: frame, window: plan.window, burnInOverlays: true)),
                          let jpeg = try? rendered.jpeg(quality: 92)
                    else { continue }
                    let name = frames.count > 1 ? image + String(format: "_F%03d", frame + 1) : image
                    try await write(zip.entry(name: unique(name, "jpg"), data: jpeg))
                }
            }
        }
        let count = zip.count
        try await write(zip.finish())
        return count
    }

    /// Encapsulated Document values are padded to even length with one NUL after %%EOF; PDF readers do not mind,
    /// but the downloaded file should be the document that was stored.
    static func trimmedPDF(_ data: Data) -> Data {
        data.last == 0 ? data.dropLast() : data
    }

    /// A file or folder name every operating system accepts: no path separators, reserved or control characters.
    static func safeName(_ text: String) -> String {
        let forbidden = Set("/\\:*?\"<>|")
        let cleaned = String(text.map { forbidden.contains($0) || $0.isASCII && ($0.asciiValue ?? 0) < 0x20 ? "_" : $0 })
            .trimmingCharacters(in: .whitespaces)
        let short = String(cleaned.prefix(80))
        return short.isEmpty || short == "." || short == ".." ? "export" : short
    }
}
