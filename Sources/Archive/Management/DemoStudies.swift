import DICOM
import Foundation

/// Synthetic studies for the demo (`yunying demo`), so the study list and the viewer have something to open on a
/// fresh install: a chest CT, a head MR and a chest radiograph (CR) of three patients, dated today. Pixels are simple
/// phantoms (body, lungs, spine, skull) with plausible values; nothing here is patient data.
public enum DemoStudies {
    struct Patient {
        let id: String, name: String, sex: String, birth: String
    }

    /// Files the demo studies through the ingest pipeline when the archive holds no study yet; returns how many
    /// objects were added.
    public static func load(into ingest: IngestService, now: Date = Date()) async throws -> Int {
        let existing = try await ingest.database.read { sql in try await sql.raw("SELECT COUNT(*) AS n FROM studies").first()!.int("n") }
        guard existing == 0 else { return 0 }
        let (date, _) = NonDICOMConverter.dicomDateTime(now)
        let patients = [
            Patient(id: "DEMO0001", name: "Wang^Jianguo=王^建国", sex: "M", birth: "19580314"),
            Patient(id: "DEMO0002", name: "Li^Xiulan=李^秀兰", sex: "F", birth: "19721105"),
            Patient(id: "DEMO0003", name: "Zhang^Wei=张^伟", sex: "M", birth: "19900702"),
        ]
        var files: [DICOMFile] = []
        files += ct(patients[0], date: date, time: "083000", accession: "CT\(date.suffix(6))01", slices: 40)
        files += mr(patients[1], date: date, time: "091500", accession: "MR\(date.suffix(6))01", slices: 20)
        files += [cr(patients[2], date: date, time: "100500", accession: "CR\(date.suffix(6))01")]
        for file in files {
            let url = try ingest.storage.incomingFile()
            try DICOMWriter.write(file, to: url)
            _ = try await ingest.ingest(url, source: IngestSource(route: "demo", aeTitle: "DEMO"))
        }
        return files.count
    }

    /// Whether (dx, dy) lies inside the ellipse with half-axes a and b.
    static func inside(_ dx: Double, _ dy: Double, _ a: Double, _ b: Double) -> Bool {
        let u: Double = dx / a, v: Double = dy / b
        return u * u + v * v <= 1
    }

    static func base(_ p: Patient, modality: String, sopClass: String, study: String, series: String, seriesNumber: Int, date: String,
                     time: String, accession: String, studyDescription: String, seriesDescription: String, number: Int) -> DataSet {
        var ds = DataSet()
        ds.characterSet = .utf8
        ds.set(.specificCharacterSet, .CS, string: "ISO_IR 192")
        ds.set(.sopClassUID, .UI, string: sopClass)
        ds.set(.sopInstanceUID, .UI, string: UIDGenerator.make())
        ds.set(.patientName, .PN, string: p.name)
        ds.set(.patientID, .LO, string: p.id)
        ds.set(Tag(0x0010, 0x0030), .DA, string: p.birth)
        ds.set(Tag(0x0010, 0x0040), .CS, string: p.sex)
        ds.set(.studyInstanceUID, .UI, string: study)
        ds.set(.studyDate, .DA, string: date)
        ds.set(Tag(0x0008, 0x0030), .TM, string: time)
        ds.set(.accessionNumber, .SH, string: accession)
        ds.set(Tag(0x0008, 0x1030), .LO, string: studyDescription)
        ds.set(Tag(0x0008, 0x0080), .LO, string: "市中心医院（演示）")
        ds.set(Tag(0x0020, 0x0010), .SH, string: "1")
        ds.set(.modality, .CS, string: modality)
        ds.set(.seriesInstanceUID, .UI, string: series)
        ds.set(Tag(0x0020, 0x0011), .IS, string: String(seriesNumber))
        ds.set(Tag(0x0008, 0x103E), .LO, string: seriesDescription)
        ds.set(Tag(0x0020, 0x0013), .IS, string: String(number))
        ds.set(Tag(0x0008, 0x0070), .LO, string: "Yunying demo")
        ds.set(Tag(0x0008, 0x0090), .PN, string: "")  // Referring Physician's Name (type 2)
        ds.set(Tag(0x0020, 0x0012), .IS, string: "1")  // Acquisition Number
        return ds
    }

    static func pixels(_ ds: inout DataSet, rows: Int, columns: Int, values: [Int16], signed: Bool, photometric: String = "MONOCHROME2") {
        ds.set(.samplesPerPixel, .US, ints: [1])
        ds.set(.photometricInterpretation, .CS, string: photometric)
        ds.set(.rows, .US, ints: [rows])
        ds.set(.columns, .US, ints: [columns])
        ds.set(.bitsAllocated, .US, ints: [16])
        ds.set(.bitsStored, .US, ints: [16])
        ds.set(.highBit, .US, ints: [15])
        ds.set(.pixelRepresentation, .US, ints: [signed ? 1 : 0])
        var data = Data(count: values.count * 2)
        data.withUnsafeMutableBytes { raw in
            for (i, v) in values.enumerated() { raw.storeBytes(of: v.littleEndian, toByteOffset: i * 2, as: Int16.self) }
        }
        ds.set(.pixelData, .OW, data: data)
    }

    static func geometry(_ ds: inout DataSet, frameOfReference: String, z: Double, spacing: Double, size: Int, thickness: Double) {
        let origin = -Double(size) * spacing / 2
        ds.set(Tag(0x0020, 0x0052), .UI, string: frameOfReference)
        ds.set(Tag(0x0020, 0x1040), .LO, string: "")  // Position Reference Indicator (type 2)
        ds.set(Tag(0x0018, 0x5100), .CS, string: "HFS")  // Patient Position
        ds.set(Tag(0x0020, 0x0032), .DS, strings: [origin, origin, z].map { String(format: "%.2f", $0) })
        ds.set(Tag(0x0020, 0x0037), .DS, strings: ["1", "0", "0", "0", "1", "0"])
        ds.set(Tag(0x0028, 0x0030), .DS, strings: [String(spacing), String(spacing)])
        ds.set(Tag(0x0018, 0x0050), .DS, string: String(thickness))
        ds.set(Tag(0x0020, 0x1041), .DS, string: String(format: "%.2f", z))
    }

    /// Chest CT: body ellipse (soft tissue), two lungs whose size changes along z, spine and ribs (bone).
    static func ct(_ p: Patient, date: String, time: String, accession: String, slices: Int) -> [DICOMFile] {
        let study = UIDGenerator.make(), series = UIDGenerator.make(), frame = UIDGenerator.make()
        let n = 256
        return (0..<slices).map { k in
            var ds = base(p, modality: "CT", sopClass: "1.2.840.10008.5.1.4.1.1.2", study: study, series: series, seriesNumber: 2, date: date,
                          time: time, accession: accession, studyDescription: "胸部CT平扫", seriesDescription: "胸部 5mm 软组织", number: k + 1)
            geometry(&ds, frameOfReference: frame, z: -5 * Double(k), spacing: 1.4, size: n, thickness: 5)
            ds.set(Tag(0x0008, 0x0008), .CS, strings: ["ORIGINAL", "PRIMARY", "AXIAL"])
            ds.set(Tag(0x0018, 0x0015), .CS, string: "CHEST")  // unpaired: no Laterality
            ds.set(Tag(0x0028, 0x1052), .DS, string: "-1024")
            ds.set(Tag(0x0028, 0x1053), .DS, string: "1")
            ds.set(Tag(0x0028, 0x1050), .DS, string: "40")
            ds.set(Tag(0x0028, 0x1051), .DS, string: "400")
            ds.set(Tag(0x0018, 0x0060), .DS, string: "120")
            let lung = 0.55 + 0.35 * sin(Double(k) / Double(max(1, slices - 1)) * .pi)
            var values = [Int16](repeating: 0, count: n * n)
            for y in 0..<n {
                for x in 0..<n {
                    let dx = Double(x - n / 2), dy = Double(y - n / 2)
                    var hu = -1000.0
                    let texture: Int = (x * 7 + y * 13 + k * 5) % 23
                    if inside(dx, dy, 110, 80) { hu = 29 + Double(texture) }
                    for side in [-1.0, 1.0] where inside(dx - side * 50, dy + 5, 38 * lung, 55 * lung) {
                        hu = -820 + Double((x + y) % 30)
                    }
                    if inside(dx, dy - 55, 14, 14) { hu = 700 }  // vertebral body
                    let angle: Double = atan2(dy, dx) + Double.pi
                    if inside(dx, dy, 105, 75), !inside(dx, dy, 97.6, 69.7), Int(angle * 10) % 3 == 0 { hu = 600 }  // ribs
                    values[y * n + x] = Int16(hu + 1024)
                }
            }
            pixels(&ds, rows: n, columns: n, values: values, signed: true)
            return DICOMFile(meta: DICOMWriter.metaInformation(for: ds, syntax: .explicitVRLittleEndian), dataset: ds, transferSyntax: .explicitVRLittleEndian)
        }
    }

    /// Head MR (T2-like): skull ring, brain, ventricles.
    static func mr(_ p: Patient, date: String, time: String, accession: String, slices: Int) -> [DICOMFile] {
        let study = UIDGenerator.make(), series = UIDGenerator.make(), frame = UIDGenerator.make()
        let n = 256
        return (0..<slices).map { k in
            var ds = base(p, modality: "MR", sopClass: "1.2.840.10008.5.1.4.1.1.4", study: study, series: series, seriesNumber: 3, date: date,
                          time: time, accession: accession, studyDescription: "头颅MR平扫", seriesDescription: "T2 横断位", number: k + 1)
            geometry(&ds, frameOfReference: frame, z: 6 * Double(k), spacing: 0.9, size: n, thickness: 5)
            ds.set(Tag(0x0028, 0x1050), .DS, string: "600")
            ds.set(Tag(0x0028, 0x1051), .DS, string: "1200")
            ds.set(Tag(0x0008, 0x0008), .CS, strings: ["ORIGINAL", "PRIMARY", "M", "NONE"])
            ds.set(Tag(0x0018, 0x0015), .CS, string: "HEAD")
            ds.set(Tag(0x0018, 0x0020), .CS, string: "SE")  // Scanning Sequence
            ds.set(Tag(0x0018, 0x0021), .CS, string: "NONE")  // Sequence Variant
            ds.set(Tag(0x0018, 0x0022), .CS, string: "")  // Scan Options
            ds.set(Tag(0x0018, 0x0023), .CS, string: "2D")  // MR Acquisition Type
            ds.set(Tag(0x0018, 0x0080), .DS, string: "4000")  // Repetition Time
            ds.set(Tag(0x0018, 0x0081), .DS, string: "100")  // Echo Time
            ds.set(Tag(0x0018, 0x0091), .IS, string: "16")  // Echo Train Length
            ds.set(Tag(0x0018, 0x0087), .DS, string: "1.5")  // Magnetic Field Strength
            let scale = 0.6 + 0.4 * sin(Double(k + 1) / Double(slices + 1) * .pi)
            var values = [Int16](repeating: 0, count: n * n)
            for y in 0..<n {
                for x in 0..<n {
                    let dx: Double = Double(x - n / 2) / scale, dy: Double = Double(y - n / 2) / scale
                    var v = 0.0
                    if inside(dx, dy, 95, 115) { v = inside(dx, dy, 87.6, 106) ? 700 + Double((x * 3 + y * 5) % 40) : 300 }
                    if inside(dx - 12, dy, 10, 30) || inside(dx + 12, dy, 10, 30) { v = 1500 }
                    values[y * n + x] = Int16(v)
                }
            }
            pixels(&ds, rows: n, columns: n, values: values, signed: false)
            return DICOMFile(meta: DICOMWriter.metaInformation(for: ds, syntax: .explicitVRLittleEndian), dataset: ds, transferSyntax: .explicitVRLittleEndian)
        }
    }

    /// Chest radiograph (CR): lungs dark, mediastinum and spine bright.
    static func cr(_ p: Patient, date: String, time: String, accession: String) -> DICOMFile {
        var ds = base(p, modality: "CR", sopClass: "1.2.840.10008.5.1.4.1.1.1", study: UIDGenerator.make(), series: UIDGenerator.make(),
                      seriesNumber: 1, date: date, time: time, accession: accession, studyDescription: "胸部正位片", seriesDescription: "后前位",
                      number: 1)
        let n = 512
        ds.set(Tag(0x0018, 0x1164), .DS, strings: ["0.7", "0.7"])  // Imager Pixel Spacing
        ds.set(Tag(0x0018, 0x0015), .CS, string: "CHEST")
        ds.set(Tag(0x0018, 0x5101), .CS, string: "PA")
        ds.set(Tag(0x0028, 0x1050), .DS, string: "2048")
        ds.set(Tag(0x0028, 0x1051), .DS, string: "4096")
        ds.set(Tag(0x0020, 0x0020), .CS, strings: ["R", "F"])
        var values = [Int16](repeating: 0, count: n * n)
        for y in 0..<n {
            for x in 0..<n {
                let dx = Double(x - n / 2), dy = Double(y - n / 2)
                var v = 600.0
                if inside(dx, dy, 210, 230) { v = 2600 }
                for side in [-1.0, 1.0] where inside(dx - side * 95, dy + 10, 80, 170) { v = 1100 + Double((x + 2 * y) % 60) }
                if abs(dx) < 18 { v = max(v, 3300) }
                values[y * n + x] = Int16(v)
            }
        }
        pixels(&ds, rows: n, columns: n, values: values, signed: false)
        ds.set(Tag(0x0028, 0x0101), .US, ints: [12])
        ds.set(Tag(0x0028, 0x0102), .US, ints: [11])
        return DICOMFile(meta: DICOMWriter.metaInformation(for: ds, syntax: .explicitVRLittleEndian), dataset: ds, transferSyntax: .explicitVRLittleEndian)
    }
}
