import DICOM
import Foundation
import Testing

@Suite("DICOM data model and dictionary")
struct DataModelTests {
    @Test("keyword ↔ tag lookup, repeating groups and private creators")
    func dictionary() {
        #expect(DataDictionary.tag(forKeyword: "PatientName") == Tag(0x0010, 0x0010))
        #expect(DataDictionary.entry(for: .patientName)?.vr == .PN)
        #expect(DataDictionary.entry(for: Tag(0x6002, 0x3000))?.keyword == "OverlayData", "60xx repeating group")
        #expect(DataDictionary.entry(for: Tag(0x0028, 0x0106))?.vrs == [.US, .SS])
        #expect(DataDictionary.entry(for: Tag(0x0009, 0x0010))?.name == "Private Creator")
        #expect(Tag(0x0009, 0x1001).privateCreatorTag == Tag(0x0009, 0x0010))
        #expect(DataDictionary.entry(for: Tag(0x0018, 0x9445)) != nil)
        #expect(VR.allCases.count == 34 && VR.OV.hasLongLength && VR.UC.hasLongLength && !VR.US.hasLongLength)
        #expect(Tag(0x0008, 0x0016).description == "(0008,0016)")
    }

    @Test("datasets stay sorted whatever the insertion order")
    func sorted() {
        var ds = DataSet()
        ds.set(.patientID, .LO, string: "P1")
        ds.set(.modality, .CS, string: "CT")
        ds.set(.patientName, .PN, string: "Zhang^San")
        #expect(ds.tags == [.modality, .patientName, .patientID])
        ds.set(.modality, .CS, string: "MR")
        #expect(ds.string(.modality) == "MR" && ds.count == 3)
        ds.remove(.patientName)
        #expect(ds[.patientName] == nil)
    }

    @Test("person names keep their three component groups")
    func personNames() {
        let pn = PersonName(dicom: "Zhang^San=张^三=zhang^san")
        #expect(pn.alphabetic.family == "Zhang" && pn.ideographic.given == "三" && pn.phonetic.family == "zhang")
        #expect(pn.displayName == "张三")
        #expect(pn.dicom == "Zhang^San=张^三=zhang^san")
        #expect(PersonName(dicom: "张三").displayName == "张三")
        #expect(PersonName(dicom: "Doe^John^^Dr").displayName == "Dr John Doe")
        #expect(PersonName(dicom: "=王^五").dicom == "=王^五")
    }

    @Test("generated UIDs are valid and unique")
    func uids() {
        let a = UIDGenerator.make(), b = UIDGenerator.make()
        #expect(a != b && a.hasPrefix("2.25.") && a.count <= 64)
        #expect(a.allSatisfy { $0.isNumber || $0 == "." })
    }
}

@Suite("Reading and writing")
struct ReadWriteTests {
    static func sample() -> DataSet {
        var ds = DataSet()
        ds.characterSet = .utf8
        ds.set(.specificCharacterSet, .CS, string: "ISO_IR 192")
        ds.set(.sopClassUID, .UI, string: "1.2.840.10008.5.1.4.1.1.2")
        ds.set(.sopInstanceUID, .UI, string: UIDGenerator.make())
        ds.set(.patientName, .PN, string: "Zhang^San=张^三")
        ds.set(.patientID, .LO, string: "P0001")
        ds.set(.rows, .US, ints: [4])
        ds.set(.columns, .US, ints: [2])
        ds.set(.bitsAllocated, .US, ints: [16])
        ds.set(Tag(0x0028, 0x1050), .DS, strings: ["40", "-100.5"])
        ds.set(Tag(0x0018, 0x9445), .OB, data: Data([1, 2, 3]))
        var item = DataSet()
        item.set(Tag(0x0008, 0x1150), .UI, string: "1.2.3")
        item.set(Tag(0x0008, 0x1155), .UI, string: "1.2.3.4")
        var item2 = item
        item2.undefinedLength = true
        ds.set(Element(tag: Tag(0x0008, 0x1140), vr: .SQ, value: .sequence([item, item2]), undefinedLength: true))
        ds.set(Element(tag: Tag(0x0008, 0x1115), vr: .SQ, value: .sequence([item])))
        ds.set(.pixelData, .OW, ints: [])
        var pixels = Data()
        for v: UInt16 in [0, 1, 255, 256, 1000, 4095, 65535, 7] { withUnsafeBytes(of: v.littleEndian) { pixels.append(contentsOf: $0) } }
        ds.set(Element(tag: .pixelData, vr: .OW, value: .bytes(pixels)))
        return ds
    }

    @Test("every native syntax round-trips", arguments: [TransferSyntax.implicitVRLittleEndian, .explicitVRLittleEndian, .explicitVRBigEndian, .deflatedExplicitVRLittleEndian])
    func roundTrip(syntax: TransferSyntax) throws {
        let original = Self.sample()
        let bytes = try DICOMWriter.write(DICOMFile(dataset: original, transferSyntax: .explicitVRLittleEndian), syntax: syntax)
        let read = try DICOMFile.read(bytes)
        #expect(read.transferSyntax.uid == syntax.uid)
        #expect(read.meta.string(.implementationClassUID) == DICOMWriter.implementationClassUID)
        let ds = read.dataset
        #expect(ds.personName(.patientName)?.ideographic.family == "张")
        #expect(ds.ints(.rows) == [4])
        #expect(ds.doubles(Tag(0x0028, 0x1050)) == [40, -100.5])
        #expect(ds.sequence(Tag(0x0008, 0x1140))?.count == 2)
        #expect(ds.sequence(Tag(0x0008, 0x1140))?[1].string(Tag(0x0008, 0x1155)) == "1.2.3.4")
        #expect(ds.ints(.pixelData) == [0, 1, 255, 256, 1000, 4095, 65535, 7], "OW swapped on write and read")
        #expect(ds[Tag(0x0018, 0x9445)]?.bytes == Data([1, 2, 3, 0]), "odd length padded to even")
        // Writing what was read, in the same syntax, reproduces the bytes.
        let again = try DICOMWriter.write(read)
        #expect(again == bytes)
    }

    @Test("encapsulated pixel data keeps offsets and fragments")
    func encapsulated() throws {
        var ds = Self.sample()
        ds.set(Element(tag: .pixelData, vr: .OB,
                       value: .encapsulated(EncapsulatedPixelData(basicOffsetTable: [0, 10], fragments: [Data(repeating: 1, count: 10), Data([9, 9, 9])])),
                       undefinedLength: true))
        let bytes = try DICOMWriter.write(DICOMFile(dataset: ds, transferSyntax: .rleLossless))
        let read = try DICOMFile.read(bytes)
        guard case .encapsulated(let p) = read.dataset[.pixelData]?.value else {
            Issue.record("not encapsulated")
            return
        }
        #expect(p.basicOffsetTable == [0, 10])
        #expect(p.fragments == [Data(repeating: 1, count: 10), Data([9, 9, 9, 0])])
        #expect(try DICOMWriter.write(read) == bytes)
    }

    @Test("files without a meta header are read by guessing the syntax")
    func bareDataSets() throws {
        let ds = Self.sample()
        for syntax in [TransferSyntax.implicitVRLittleEndian, .explicitVRLittleEndian, .explicitVRBigEndian] {
            let bytes = DICOMWriter.encode(ds, syntax: syntax)
            let read = try DICOMFile.read(bytes)
            #expect(!read.hadMetaHeader)
            #expect(read.transferSyntax.littleEndian == syntax.littleEndian && read.transferSyntax.explicitVR == syntax.explicitVR)
            #expect(read.dataset.string(.patientID) == "P0001")
        }
    }
}

@Suite("Malformed input")
struct MalformedTests {
    static func explicit(_ elements: [(UInt16, UInt16, String, [UInt8])]) -> Data {
        var d = Data()
        for (g, e, vr, value) in elements {
            d += [UInt8(g & 0xFF), UInt8(g >> 8), UInt8(e & 0xFF), UInt8(e >> 8)]
            d += Array(vr.utf8)
            d += [UInt8(value.count & 0xFF), UInt8(value.count >> 8)]
            d += value
        }
        return d
    }

    @Test("a declared length past the end is a typed error with the offset")
    func lengthPastEnd() {
        var d = Self.explicit([(0x0008, 0x0060, "CS", Array("CT".utf8))])
        d += [0x10, 0x00, 0x10, 0x00] + Array("PN".utf8) + [0xFF, 0x00] + Array("Zhang".utf8)
        #expect(throws: DICOMError.lengthExceedsData(offset: 10, tag: .patientName, length: 255, available: 5)) { try DICOMFile.read(d) }
    }

    @Test("a 4 GB sequence length does not allocate, and deep nesting stops")
    func hostileLengths() throws {
        var d = Self.explicit([(0x0008, 0x0060, "CS", Array("CT".utf8))])
        d += [0x08, 0x00, 0x40, 0x11] + Array("SQ".utf8) + [0, 0, 0xFE, 0xFF, 0xFF, 0x7F]
        #expect(throws: DICOMError.self) { try DICOMFile.read(d) }
        var deep = Self.explicit([(0x0008, 0x0060, "CS", Array("CT".utf8))])
        for _ in 0..<100 {
            deep += [0x08, 0x00, 0x40, 0x11] + Array("SQ".utf8) + [0, 0, 0xFF, 0xFF, 0xFF, 0xFF]
            deep += [0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]
        }
        let error = #expect(throws: DICOMError.self) { try DICOMFile.read(deep) }
        if case .nestingTooDeep = error {} else { Issue.record("expected nestingTooDeep, got \(String(describing: error))") }
    }

    @Test("random bytes never crash the parser")
    func randomBytes() {
        var rng = SystemRandomNumberGenerator()
        let seed = Self.explicit([(0x0008, 0x0060, "CS", Array("CT".utf8)), (0x0010, 0x0010, "PN", Array("Wang^Wu".utf8))])
        for _ in 0..<2000 {
            var d = seed
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                d[Int.random(in: 0..<d.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            d += Data((0..<Int.random(in: 0...40, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
            _ = try? DICOMFile.read(d)
        }
    }
}

@Suite("Private elements")
struct PrivateElementTests {
    @Test("elements are found by creator, whatever block the creator got")
    func creators() {
        var ds = DataSet()
        ds.set(Tag(0x0009, 0x0010), .LO, string: "OTHER_VENDOR")
        let tag = ds.reservePrivateTag(creator: "YUNYING 1.0", group: 0x0009, offset: 0x01)
        #expect(tag == Tag(0x0009, 0x1101), "block 0x10 is taken, so the creator gets 0x11")
        ds.set(tag!, .LO, string: "value")
        #expect(ds.privateTag(creator: "YUNYING 1.0", group: 0x0009, offset: 0x01) == Tag(0x0009, 0x1101))
        #expect(ds.string(Tag(0x0009, 0x1101)) == "value")
        #expect(ds.privateTag(creator: "ABSENT", group: 0x0009, offset: 0x01) == nil)
        #expect(ds.reservePrivateTag(creator: "X", group: 0x0010, offset: 1) == nil, "even groups are not private")
    }
}
