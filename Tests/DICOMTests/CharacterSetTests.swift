import DICOM
import Foundation
import Testing

@Suite("Character sets")
struct CharacterSetTests {
    @Test("GB18030, GBK and UTF-8 names decode to the same text", arguments: ["GB18030", "GBK", "ISO_IR 192"])
    func chinese(term: String) {
        let cs = SpecificCharacterSet(terms: [term])
        let name = "Wang^XiaoDong=王^小东"
        let bytes = cs.encode(name, vr: .PN)
        #expect(cs.decode(bytes, vr: .PN) == name)
        if term == "GB18030" || term == "GBK" {
            #expect(bytes.contains(0xCD), "王 is CD F5 in GB encodings")
            #expect(!bytes.contains(0xE7), "not UTF-8")
        }
    }

    @Test("a GBK character whose second byte is a backslash is not split into two values")
    func backslashTrailByte() {
        let cs = SpecificCharacterSet(terms: ["GBK"])
        let text = "乗\\声"  // 乗 is 81 5C in GBK
        let bytes = cs.encode(text, vr: .LO)
        #expect(bytes.prefix(2) == Data([0x81, 0x5C]))
        #expect(cs.decodeValues(bytes, vr: .LO) == ["乗", "声"])
    }

    @Test("ISO 2022 IR 58 (GB2312) names with escape sequences")
    func iso2022GB2312() {
        let cs = SpecificCharacterSet(terms: ["", "ISO 2022 IR 58"])
        // PS3.5 H.3.2 example: Zhang^XiaoDong=张^小东=
        let bytes = Data([0x5A, 0x68, 0x61, 0x6E, 0x67, 0x5E, 0x58, 0x69, 0x61, 0x6F, 0x44, 0x6F, 0x6E, 0x67, 0x3D, 0x1B, 0x24, 0x29, 0x41,
                          0xD5, 0xC5, 0x5E, 0x1B, 0x24, 0x29, 0x41, 0xD0, 0xA1, 0xB6, 0xAB, 0x3D])
        #expect(cs.decode(bytes, vr: .PN) == "Zhang^XiaoDong=张^小东=")
        let encoded = cs.encode("Zhang^XiaoDong=张^小东=", vr: .PN)
        #expect(encoded == bytes, "re-designates G1 after each delimiter, as the standard's example does")
    }

    @Test("Japanese and Korean code extensions (PS3.5 Annex H, I)")
    func japaneseKorean() {
        let jp = SpecificCharacterSet(terms: ["", "ISO 2022 IR 87"])
        let yamada = Data([0x59, 0x61, 0x6D, 0x61, 0x64, 0x61, 0x5E, 0x54, 0x61, 0x72, 0x6F, 0x75, 0x3D, 0x1B, 0x24, 0x42, 0x3B, 0x33, 0x45, 0x44,
                           0x1B, 0x28, 0x42, 0x5E, 0x1B, 0x24, 0x42, 0x42, 0x40, 0x4F, 0x3A, 0x1B, 0x28, 0x42])
        #expect(jp.decode(yamada, vr: .PN) == "Yamada^Tarou=山田^太郎")
        let ko = SpecificCharacterSet(terms: ["", "ISO 2022 IR 149"])
        let hong = Data([0x48, 0x6F, 0x6E, 0x67, 0x5E, 0x47, 0x69, 0x6C, 0x64, 0x6F, 0x6E, 0x67, 0x3D, 0x1B, 0x24, 0x29, 0x43, 0xFB, 0xF3, 0x5E,
                         0x1B, 0x24, 0x29, 0x43, 0xD1, 0xCE, 0xD4, 0xD7])
        #expect(ko.decode(hong, vr: .PN) == "Hong^Gildong=洪^吉洞")
    }

    @Test("undeclared non-ASCII text: UTF-8 when valid, else GB18030 (what Chinese modalities send)")
    func undeclared() {
        let cs = SpecificCharacterSet.default
        #expect(cs.decode(Data("张三".utf8), vr: .PN) == "张三")
        #expect(cs.decode(Data([0xD5, 0xC5, 0xC8, 0xFD]), vr: .PN) == "张三")
    }

    @Test("Latin-1 and invalid bytes")
    func latin1() {
        let cs = SpecificCharacterSet(terms: ["ISO_IR 100"])
        #expect(cs.decode(Data([0x44, 0xFC, 0x72, 0x65, 0x72]), vr: .PN) == "Dürer")
        let gb = SpecificCharacterSet(terms: ["GB18030"])
        #expect(gb.decode(Data([0xD5, 0xC5, 0xFF]), vr: .PN).hasPrefix("张"), "a bad trailing byte does not lose the name")
    }
}
