/// ISO 2022 code extension decoding and encoding for DICOM (PS3.5 6.1.2.5, PS3.3 C.12.1.1.2).
/// G0 holds ASCII, JIS X 0201 romaji or the two-byte JIS X 0208 / 0212 sets; G1 holds a single-byte upper half
/// (Latin, Cyrillic, katakana, …) or the two-byte KS X 1001 and GB 2312 sets.
enum CharsetSlot: Equatable {
    case ascii
    case romaji
    case jisX0208
    case jisX0212
    case single(String)  // upper half of a single-byte iconv charset
    case double(String)  // two-byte G1 set decoded as EUC (bytes already ≥ 0x80)
    case none
}

struct ISO2022Decoder {
    let initialG0: CharsetSlot
    var initialG1: CharsetSlot
    let isPersonName: Bool

    init(terms: [String], isPersonName: Bool) {
        let first = terms.first ?? ""
        self.isPersonName = isPersonName
        switch first {
        case "ISO 2022 IR 13", "ISO_IR 13":
            initialG0 = .romaji
            initialG1 = .single("SHIFT_JIS")
        case "", "ISO 2022 IR 6", "ISO_IR 6":
            initialG0 = .ascii
            initialG1 = .none
        default:
            initialG0 = .ascii
            if let name = SpecificCharacterSet.iconvName(first), name.hasPrefix("ISO-8859") || name == "TIS-620" {
                initialG1 = .single(name)
            } else {
                initialG1 = .none
            }
        }
        // Some writers (pydicom among them) omit the G1 designation before GB 2312 or KS X 1001 bytes. With only one
        // two-byte G1 set declared there is no ambiguity, so assume it rather than show mojibake.
        if initialG1 == .none {
            let doubles = terms.filter { $0 == "ISO 2022 IR 58" || $0 == "ISO 2022 IR 149" }
            if doubles.count == 1 { initialG1 = .double(doubles[0] == "ISO 2022 IR 58" ? "GB2312" : "EUC-KR") }
        }
    }

    /// The slot an escape sequence designates, with the number of bytes it occupies (ESC included).
    static func designation(_ b: [UInt8], at i: Int) -> (g0: CharsetSlot?, g1: CharsetSlot?, length: Int)? {
        func at(_ k: Int) -> UInt8? { i + k < b.count ? b[i + k] : nil }
        switch (at(1), at(2), at(3)) {
        case (0x28, 0x42, _): return (.ascii, nil, 3)  // ESC ( B
        case (0x28, 0x4A, _): return (.romaji, nil, 3)  // ESC ( J
        case (0x29, 0x49, _): return (nil, .single("SHIFT_JIS"), 3)  // ESC ) I  katakana
        case (0x24, 0x42, _): return (.jisX0208, nil, 3)  // ESC $ B
        case (0x24, 0x28, 0x44): return (.jisX0212, nil, 4)  // ESC $ ( D
        case (0x24, 0x29, 0x43): return (nil, .double("EUC-KR"), 4)  // ESC $ ) C
        case (0x24, 0x29, 0x41): return (nil, .double("GB2312"), 4)  // ESC $ ) A
        case (0x2D, let f?, _):
            let table: [UInt8: String] = [
                0x41: "ISO-8859-1", 0x42: "ISO-8859-2", 0x43: "ISO-8859-3", 0x44: "ISO-8859-4", 0x4C: "ISO-8859-5",
                0x47: "ISO-8859-6", 0x46: "ISO-8859-7", 0x48: "ISO-8859-8", 0x4D: "ISO-8859-9", 0x62: "ISO-8859-15", 0x54: "TIS-620",
            ]
            return table[f].map { (nil, .single($0), 3) }
        default: return nil
        }
    }

    func isDelimiter(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x0A, 0x0C, 0x0D, 0x09, 0x5C: true
        case 0x5E, 0x3D: isPersonName
        default: false
        }
    }

    func decode(_ b: [UInt8]) -> String {
        var g0 = initialG0, g1 = initialG1
        var out = ""
        var run: [UInt8] = []
        var runCharset: String? = nil
        func flush() {
            if let cs = runCharset, !run.isEmpty { out += Iconv.decode(run, from: cs) }
            run = []
            runCharset = nil
        }
        func emit(_ bytes: [UInt8], _ charset: String) {
            if runCharset != charset { flush() }
            runCharset = charset
            run += bytes
        }
        var i = 0
        while i < b.count {
            let c = b[i]
            if c == 0x1B {
                if let d = Self.designation(b, at: i) {
                    if let n = d.g0 { g0 = n }
                    if let n = d.g1 { g1 = n }
                    i += d.length
                } else {
                    i += 1
                }
                continue
            }
            if c < 0x80 {
                switch g0 {
                case .jisX0208 where c > 0x20 && i + 1 < b.count:
                    emit([c | 0x80, b[i + 1] | 0x80], "EUC-JP")
                    i += 2
                case .jisX0212 where c > 0x20 && i + 1 < b.count:
                    emit([0x8F, c | 0x80, b[i + 1] | 0x80], "EUC-JP")
                    i += 2
                default:
                    emit([c], g0 == .romaji ? "SHIFT_JIS" : "ASCII")
                    i += 1
                    if isDelimiter(c) {
                        g0 = initialG0
                        g1 = initialG1
                    }
                }
            } else {
                switch g1 {
                case .double(let cs) where i + 1 < b.count:
                    emit([c, b[i + 1]], cs)
                    i += 2
                case .single(let cs):
                    emit([c], cs)
                    i += 1
                default:
                    emit([c], "ISO-8859-1")
                    i += 1
                }
            }
        }
        flush()
        return out
    }
}

/// Encodes text under ISO 2022 code extensions: ASCII stays ASCII; other characters go through the first
/// declared extension able to encode them, with its escape sequence, re-designated after each delimiter.
struct ISO2022Encoder {
    let terms: [String]

    func encode(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        var designated: String? = nil  // the extension currently designated
        var g0IsTwoByte = false
        for ch in text {
            if ch.isASCII {
                if g0IsTwoByte {
                    out += [0x1B, 0x28, 0x42]
                    g0IsTwoByte = false
                }
                let byte = ch.asciiValue!
                out.append(byte)
                if [0x5C, 0x5E, 0x3D, 0x0D, 0x0A, 0x09, 0x0C].contains(byte) { designated = nil }
                continue
            }
            var encoded = false
            for term in terms.dropFirst().isEmpty ? terms : Array(terms.dropFirst()) {
                guard let (escape, convert) = Self.extension(term) else { continue }
                let bytes = Iconv.convert(Array(String(ch).utf8), from: "UTF-8", to: SpecificCharacterSet.iconvName(term)!, replacement: nil)
                guard !bytes.isEmpty, let mapped = convert(bytes) else { continue }
                if designated != term {
                    out += escape
                    designated = term
                    g0IsTwoByte = term == "ISO 2022 IR 87" || term == "ISO 2022 IR 159"
                }
                out += mapped
                encoded = true
                break
            }
            if !encoded { out.append(0x3F) }
        }
        if g0IsTwoByte { out += [0x1B, 0x28, 0x42] }
        return out
    }

    /// Escape sequence and the mapping from the charset's EUC/iconv bytes to the bytes written after it.
    static func `extension`(_ term: String) -> ([UInt8], ([UInt8]) -> [UInt8]?)? {
        switch term {
        case "ISO 2022 IR 58": return ([0x1B, 0x24, 0x29, 0x41], { $0.count == 2 ? $0 : nil })
        case "ISO 2022 IR 149": return ([0x1B, 0x24, 0x29, 0x43], { $0.count == 2 ? $0 : nil })
        case "ISO 2022 IR 87": return ([0x1B, 0x24, 0x42], { $0.count == 2 ? $0.map { $0 & 0x7F } : nil })
        case "ISO 2022 IR 159": return ([0x1B, 0x24, 0x28, 0x44], { $0.count == 3 && $0[0] == 0x8F ? $0.dropFirst().map { $0 & 0x7F } : nil })
        case "ISO 2022 IR 100": return ([0x1B, 0x2D, 0x41], { $0.count == 1 ? $0 : nil })
        case "ISO 2022 IR 13": return ([0x1B, 0x29, 0x49], { $0.count == 1 ? $0 : nil })
        default: return nil
        }
    }
}
