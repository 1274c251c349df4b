import Foundation
import Testing

@testable import DICOM

/// The DICOMDIR's links are byte offsets; these tests follow them through the written bytes with our own reader.
struct DICOMDIRTests {
    func file(patient: String, study: String, series: String, sop: String, sopClass: String = "1.2.840.10008.5.1.4.1.1.2") -> DICOMFile {
        var ds = DataSet()
        ds.set(.sopClassUID, .UI, string: sopClass)
        ds.set(.sopInstanceUID, .UI, string: sop)
        ds.set(.patientID, .LO, string: patient)
        ds.set(.patientName, .PN, string: "Name^" + patient)
        ds.set(.studyInstanceUID, .UI, string: study)
        ds.set(.seriesInstanceUID, .UI, string: series)
        ds.set(.modality, .CS, string: "CT")
        ds.set(.pixelData, .OW, data: Data(count: 8))
        return DICOMFile(dataset: ds, transferSyntax: .explicitVRLittleEndian)
    }

    /// Record offset → (type, next, lower) read back from the file bytes at that offset.
    func records(_ data: Data) throws -> (root: (Int, Int), byOffset: [Int: (type: String, next: Int, lower: Int, item: DataSet)]) {
        let parsed = try DICOMFile.read(data)
        #expect(parsed.meta.string(.mediaStorageSOPClassUID) == DICOMDIRBuilder.sopClassUID)
        let ds = parsed.dataset
        let first = ds[Tag(0x0004, 0x1200)]!.bytes!.withUnsafeBytes { Int($0.loadUnaligned(as: UInt32.self).littleEndian) }
        let last = ds[Tag(0x0004, 0x1202)]!.bytes!.withUnsafeBytes { Int($0.loadUnaligned(as: UInt32.self).littleEndian) }
        var map: [Int: (String, Int, Int, DataSet)] = [:]
        let bytes = [UInt8](data)
        // Walk the items of (0004,1220) by their explicit lengths: each record's offset is where its item tag is.
        let header: [UInt8] = [0x04, 0x00, 0x20, 0x12, 0x53, 0x51, 0x00, 0x00]
        let sq = try #require((0..<(bytes.count - 8)).first { Array(bytes[$0..<($0 + 8)]) == header })
        var o = sq + 12
        while o < bytes.count {
            #expect(Array(bytes[o..<(o + 4)]) == [0xFE, 0xFF, 0x00, 0xE0])
            let length = bytes[(o + 4)..<(o + 8)].reversed().reduce(0) { $0 << 8 | Int($1) }
            let item = try DICOMReader.readDataSet(Data(bytes[(o + 8)..<(o + 8 + length)]), syntax: .explicitVRLittleEndian)
            let next = item[Tag(0x0004, 0x1400)]!.bytes!.withUnsafeBytes { Int($0.loadUnaligned(as: UInt32.self).littleEndian) }
            let lower = item[Tag(0x0004, 0x1420)]!.bytes!.withUnsafeBytes { Int($0.loadUnaligned(as: UInt32.self).littleEndian) }
            map[o] = (item.string(Tag(0x0004, 0x1430)) ?? "", next, lower, item)
            o += 8 + length
        }
        #expect(map.count == ds[Tag(0x0004, 0x1220)]!.items!.count)
        return ((first, last), map.mapValues { (type: $0.0, next: $0.1, lower: $0.2, item: $0.3) })
    }

    @Test func linksFollowTheHierarchy() throws {
        var builder = DICOMDIRBuilder()
        builder.add(fileID: ["DICOM", "S1", "I1"], file: file(patient: "P1", study: "1.1", series: "1.1.1", sop: "1.1.1.1"))
        builder.add(fileID: ["DICOM", "S1", "I2"], file: file(patient: "P1", study: "1.1", series: "1.1.1", sop: "1.1.1.2"))
        builder.add(fileID: ["DICOM", "S2", "I1"], file: file(patient: "P1", study: "1.1", series: "1.1.2", sop: "1.1.2.1",
                                                               sopClass: "1.2.840.10008.5.1.4.1.1.88.59"))
        builder.add(fileID: ["DICOM", "S3", "I1"], file: file(patient: "P2", study: "2.1", series: "2.1.1", sop: "2.1.1.1"))
        let (root, map) = try records(builder.build())
        #expect(map.count == 2 + 2 + 3 + 4)
        // Patients: P1 then P2, the root's first and last.
        let p1 = try #require(map[root.0]), p2 = try #require(map[root.1])
        #expect(p1.type == "PATIENT" && p1.next == root.1 && p2.next == 0)
        #expect(p1.item.string(.patientID) == "P1" && p2.item.string(.patientID) == "P2")
        // P1 → study 1.1 → series 1.1.1 (two images) and 1.1.2 (the key-object document).
        let study = try #require(map[p1.lower])
        #expect(study.type == "STUDY" && study.next == 0 && study.item.string(.studyInstanceUID) == "1.1")
        #expect(study.item.string(Tag(0x0020, 0x0010)) == "1")  // invented Study ID: the file has none
        let s1 = try #require(map[study.lower]), s2 = try #require(map[s1.next])
        #expect(s1.item.string(.seriesInstanceUID) == "1.1.1" && s2.item.string(.seriesInstanceUID) == "1.1.2" && s2.next == 0)
        let i1 = try #require(map[s1.lower]), i2 = try #require(map[i1.next])
        #expect(i1.type == "IMAGE" && i2.next == 0 && i1.lower == 0)
        #expect(i1.item.strings(Tag(0x0004, 0x1500)) == ["DICOM", "S1", "I1"])
        #expect(i2.item.string(Tag(0x0004, 0x1511)) == "1.1.1.2")
        #expect(i1.item.string(Tag(0x0004, 0x1512)) == TransferSyntax.explicitVRLittleEndian.uid)
        #expect(map[s2.lower]?.type == "KEY OBJECT DOC")
        // No pixel data in any record.
        #expect(map.values.allSatisfy { $0.item[.pixelData] == nil })
    }

    @Test func fileIDComponents() {
        #expect(DICOMDIRBuilder.isValidComponent("S0000001"))
        #expect(!DICOMDIRBuilder.isValidComponent("S00000001"))
        #expect(!DICOMDIRBuilder.isValidComponent("img1"))
        #expect(!DICOMDIRBuilder.isValidComponent(""))
    }
}
