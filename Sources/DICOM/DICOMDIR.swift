import Foundation

/// Builds the DICOMDIR of a file-set (PS3.10 8, PS3.3 F.3 Basic Directory IOD): one PATIENT → STUDY → SERIES →
/// leaf record hierarchy over the files added, with the byte offsets that link the records filled in.
///
/// Records are written depth first (a patient, its first study, that study's series, each series' instances,
/// then the next study), every item with an explicit length, so each record's offset is known before anything
/// is written: the offsets are UL values of fixed size and do not change the lengths they are computed from.
public struct DICOMDIRBuilder: Sendable {
    /// A file of the set: its path components inside the file-set (each 1–8 of `A–Z 0–9 _`) and its header.
    struct Entry: Sendable {
        var fileID: [String]
        var dataset: DataSet
        var sopClassUID: String
        var sopInstanceUID: String
        var transferSyntaxUID: String
    }

    private var entries: [Entry] = []
    public var fileSetID: String

    public init(fileSetID: String = "YUNYING") {
        self.fileSetID = fileSetID
    }

    public var count: Int { entries.count }

    /// A valid File ID component: upper-case letters, digits and underscore, one to eight of them (PS3.10 8.2).
    public static func isValidComponent(_ s: String) -> Bool {
        (1...8).contains(s.count) && s.allSatisfy { ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    /// Adds a file the set holds at `fileID`. Only the header is kept (pixel data is dropped here).
    public mutating func add(fileID: [String], file: DICOMFile) {
        precondition(!fileID.isEmpty && fileID.count <= 8 && fileID.allSatisfy(Self.isValidComponent), "invalid File ID \(fileID)")
        var header = file.dataset
        header.filter { $0.tag.group < 0x7FE0 }
        entries.append(
            Entry(fileID: fileID, dataset: header,
                  sopClassUID: file.dataset.string(.sopClassUID) ?? file.meta.string(.mediaStorageSOPClassUID) ?? "",
                  sopInstanceUID: file.dataset.string(.sopInstanceUID) ?? file.meta.string(.mediaStorageSOPInstanceUID) ?? "",
                  transferSyntaxUID: file.transferSyntax.uid))
    }

    /// The DICOMDIR file: preamble, meta information and the Basic Directory data set.
    public func build() -> Data {
        let records = hierarchy()
        // Pass 1: the encoded size of every record (offsets as zero).
        let top = topLevel(first: 0, last: 0)
        let meta = Self.meta()
        let sequenceStart = meta.count + top.count + 12  // the SQ element header: tag, VR, reserved, length
        var position = sequenceStart
        var offsets: [Int] = []
        for record in records {
            offsets.append(position)
            position += 8 + DICOMWriter.encode(record.dataset(next: 0, lower: 0), syntax: .explicitVRLittleEndian).count
        }
        // Pass 2: the links, by index.
        var items = Data()
        for (i, record) in records.enumerated() {
            let encoded = DICOMWriter.encode(
                record.dataset(next: record.next.map { offsets[$0] } ?? 0, lower: record.lower.map { offsets[$0] } ?? 0),
                syntax: .explicitVRLittleEndian)
            assert(offsets[i] == sequenceStart + items.count)
            items.append(contentsOf: [0xFE, 0xFF, 0x00, 0xE0])
            Self.append32(UInt32(encoded.count), to: &items)
            items.append(encoded)
        }
        let roots = records.indices.filter { records[$0].level == 0 }
        var out = meta
        out.append(topLevel(first: roots.first.map { offsets[$0] } ?? 0, last: roots.last.map { offsets[$0] } ?? 0))
        out.append(contentsOf: [0x04, 0x00, 0x20, 0x12, 0x53, 0x51, 0x00, 0x00])  // (0004,1220) SQ
        Self.append32(UInt32(items.count), to: &out)
        out.append(items)
        return out
    }

    /// Media Storage Directory Storage, Explicit VR Little Endian.
    public static let sopClassUID = "1.2.840.10008.1.3.10"

    static func meta() -> Data {
        var meta = DataSet()
        meta.set(Element(tag: .fileMetaInformationVersion, vr: .OB, value: .bytes(Data([0x00, 0x01]))))
        meta.set(.mediaStorageSOPClassUID, .UI, string: sopClassUID)
        meta.set(.mediaStorageSOPInstanceUID, .UI, string: UIDGenerator.make())
        meta.set(.transferSyntaxUID, .UI, string: TransferSyntax.explicitVRLittleEndian.uid)
        meta.set(.implementationClassUID, .UI, string: DICOMWriter.implementationClassUID)
        meta.set(.implementationVersionName, .SH, string: DICOMWriter.implementationVersionName)
        return DICOMWriter.partTenHeader(meta: meta)
    }

    func topLevel(first: Int, last: Int) -> Data {
        var ds = DataSet()
        ds.set(Tag(0x0004, 0x1130), .CS, string: fileSetID)
        ds.set(Tag(0x0004, 0x1200), .UL, ints: [first])
        ds.set(Tag(0x0004, 0x1202), .UL, ints: [last])
        ds.set(Tag(0x0004, 0x1212), .US, ints: [0])
        return DICOMWriter.encode(ds, syntax: .explicitVRLittleEndian)
    }

    static func append32(_ v: UInt32, to data: inout Data) {
        withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) }
    }

    // MARK: The record tree

    /// One directory record: its keys, its level (0 patient … 3 leaf) and the indexes of the records it links to.
    struct Record {
        var level: Int
        var keys: DataSet
        var next: Int?
        var lower: Int?

        func dataset(next: Int, lower: Int) -> DataSet {
            var ds = keys
            ds.set(Tag(0x0004, 0x1400), .UL, ints: [next])
            // Retired in current editions, but Type 1 in the ones dciodvfy and older CD readers check: FFFFH = in use.
            ds.set(Tag(0x0004, 0x1410), .US, ints: [0xFFFF])
            ds.set(Tag(0x0004, 0x1420), .UL, ints: [lower])
            return ds
        }
    }

    /// Patients, studies and series in the order their first file was added; leaves in the order added.
    func hierarchy() -> [Record] {
        var patients: [(key: String, studies: [(key: String, series: [(key: String, files: [Int])])])] = []
        for (i, entry) in entries.enumerated() {
            let ds = entry.dataset
            let patient = ds.string(.patientID) ?? "", study = ds.string(.studyInstanceUID) ?? "", series = ds.string(.seriesInstanceUID) ?? ""
            let p = patients.firstIndex { $0.key == patient } ?? { patients.append((patient, [])); return patients.count - 1 }()
            let s = patients[p].studies.firstIndex { $0.key == study } ?? { patients[p].studies.append((study, [])); return patients[p].studies.count - 1 }()
            let r = patients[p].studies[s].series.firstIndex { $0.key == series }
                ?? { patients[p].studies[s].series.append((series, [])); return patients[p].studies[s].series.count - 1 }()
            patients[p].studies[s].series[r].files.append(i)
        }
        var records: [Record] = []
        /// Appends sibling records produced by `make`, linking each to the next sibling.
        func siblings<T>(_ items: [T], _ make: (T, Int) -> Void) {
            var previous: Int?
            for (n, item) in items.enumerated() {
                let index = records.count
                if let previous { records[previous].next = index }
                make(item, n)
                previous = index
            }
        }
        siblings(patients) { patient, _ in
            let first = entries[patient.studies[0].series[0].files[0]]
            let pi = records.count
            records.append(Record(level: 0, keys: Self.patientKeys(first.dataset)))
            records[pi].lower = records.count
            siblings(patient.studies) { study, n in
                let sample = entries[study.series[0].files[0]]
                let si = records.count
                records.append(Record(level: 1, keys: Self.studyKeys(sample.dataset, ordinal: n + 1)))
                records[si].lower = records.count
                siblings(study.series) { series, n in
                    let sample = entries[series.files[0]]
                    let ri = records.count
                    records.append(Record(level: 2, keys: Self.seriesKeys(sample.dataset, ordinal: n + 1)))
                    records[ri].lower = records.count
                    siblings(series.files) { file, n in
                        records.append(Record(level: 3, keys: Self.leafKeys(entries[file], ordinal: n + 1)))
                    }
                }
            }
        }
        return records
    }

    // MARK: Keys per record type (PS3.3 F.5)

    static func record(_ type: String, from source: DataSet) -> DataSet {
        var ds = DataSet()
        ds.set(Tag(0x0004, 0x1430), .CS, string: type)
        if let charset = source[.specificCharacterSet] { ds.set(charset) }
        return ds
    }

    /// Copies each tag present in the source; a type 2 key missing from it is written empty.
    static func copy(_ tags: [(UInt16, UInt16, VR, required: Bool)], from source: DataSet, to ds: inout DataSet) {
        for (group, element, vr, required) in tags {
            let tag = Tag(group, element)
            if let e = source[tag] {
                ds.set(e)
            } else if required {
                ds.set(Element(tag: tag, vr: vr, value: vr == .SQ ? .sequence([]) : .bytes(Data())))
            }
        }
    }

    /// A type 1 string key: the source's value, or `fallback` when the file has none (a DICOMDIR may not leave
    /// it empty; DCMTK's dcmmkdir invents values the same way).
    static func setRequired(_ tag: Tag, _ vr: VR, from source: DataSet, fallback: String, to ds: inout DataSet) {
        if let e = source[tag], let bytes = e.bytes, !bytes.allSatisfy({ $0 == 0x20 || $0 == 0 }) {
            ds.set(e)
        } else {
            ds.set(tag, vr, string: fallback)
        }
    }

    static func patientKeys(_ source: DataSet) -> DataSet {
        var ds = record("PATIENT", from: source)
        copy([(0x0010, 0x0010, .PN, true), (0x0010, 0x0030, .DA, false), (0x0010, 0x0040, .CS, false)], from: source, to: &ds)
        setRequired(.patientID, .LO, from: source, fallback: "UNKNOWN", to: &ds)
        return ds
    }

    static func studyKeys(_ source: DataSet, ordinal: Int) -> DataSet {
        var ds = record("STUDY", from: source)
        copy([(0x0008, 0x0020, .DA, true), (0x0008, 0x0030, .TM, true), (0x0008, 0x0050, .SH, true), (0x0008, 0x1030, .LO, true),
              (0x0020, 0x000D, .UI, true)], from: source, to: &ds)
        setRequired(Tag(0x0020, 0x0010), .SH, from: source, fallback: String(ordinal), to: &ds)
        return ds
    }

    static func seriesKeys(_ source: DataSet, ordinal: Int) -> DataSet {
        var ds = record("SERIES", from: source)
        copy([(0x0008, 0x103E, .LO, false), (0x0020, 0x000E, .UI, true)], from: source, to: &ds)
        setRequired(.modality, .CS, from: source, fallback: "OT", to: &ds)
        setRequired(Tag(0x0020, 0x0011), .IS, from: source, fallback: String(ordinal), to: &ds)
        return ds
    }

    /// The record type a SOP class is filed under (PS3.3 F.5 and Table F.4-1); anything not named is an IMAGE.
    static func recordType(sopClass uid: String) -> String {
        if uid == "1.2.840.10008.5.1.4.1.1.88.59" { return "KEY OBJECT DOC" }
        if uid.hasPrefix("1.2.840.10008.5.1.4.1.1.88.") { return "SR DOCUMENT" }
        if uid.hasPrefix("1.2.840.10008.5.1.4.1.1.104.") { return "ENCAP DOC" }
        if uid.hasPrefix("1.2.840.10008.5.1.4.1.1.11.") { return "PRESENTATION" }
        if uid.hasPrefix("1.2.840.10008.5.1.4.1.1.9.") { return "WAVEFORM" }
        return "IMAGE"
    }

    static func leafKeys(_ entry: Entry, ordinal: Int) -> DataSet {
        let source = entry.dataset
        let type = recordType(sopClass: entry.sopClassUID)
        var ds = record(type, from: source)
        ds.set(Tag(0x0004, 0x1500), .CS, strings: entry.fileID)
        ds.set(Tag(0x0004, 0x1510), .UI, string: entry.sopClassUID)
        ds.set(Tag(0x0004, 0x1511), .UI, string: entry.sopInstanceUID)
        ds.set(Tag(0x0004, 0x1512), .UI, string: entry.transferSyntaxUID)
        setRequired(Tag(0x0020, 0x0013), .IS, from: source, fallback: String(ordinal), to: &ds)
        let contentDateTime: [(UInt16, UInt16, VR, required: Bool)] = [(0x0008, 0x0023, .DA, true), (0x0008, 0x0033, .TM, true)]
        let conceptName: (UInt16, UInt16, VR, required: Bool) = (0x0040, 0xA043, .SQ, true)
        switch type {
        case "KEY OBJECT DOC":
            copy(contentDateTime + [conceptName], from: source, to: &ds)
        case "SR DOCUMENT":
            copy(contentDateTime + [conceptName, (0x0040, 0xA491, .CS, true), (0x0040, 0xA493, .CS, true), (0x0040, 0xA030, .DT, false)],
                 from: source, to: &ds)
        case "ENCAP DOC":
            copy(contentDateTime + [conceptName, (0x0042, 0x0010, .ST, true), (0x0042, 0x0012, .LO, true)], from: source, to: &ds)
        case "PRESENTATION":
            copy([(0x0070, 0x0080, .CS, true), (0x0070, 0x0081, .LO, true), (0x0070, 0x0082, .DA, true), (0x0070, 0x0083, .TM, true),
                  (0x0070, 0x0084, .PN, true)], from: source, to: &ds)
        case "WAVEFORM":
            copy(contentDateTime, from: source, to: &ds)
        default:
            // Image Type only: binary keys (Rows, Columns) would need byte-swapping from a big-endian source.
            copy([(0x0008, 0x0008, .CS, false)], from: source, to: &ds)
        }
        return ds
    }
}
