import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Specific Character Set (0008,0005): how the bytes of LO, LT, PN, SH, ST, UC and UT values map to text,
/// including ISO 2022 code extensions (PS3.5 6.1, PS3.3 C.12.1.1.2). Conversions use the C library's iconv.
public struct SpecificCharacterSet: Sendable, Equatable {
    /// The defined terms as declared; the first may be empty (meaning the default repertoire).
    public let terms: [String]

    public init(terms: [String]) {
        self.terms = terms.map { $0.trimmingCharacters(in: .whitespaces) }
    }

    public static let `default` = SpecificCharacterSet(terms: [])
    public static let utf8 = SpecificCharacterSet(terms: ["ISO_IR 192"])
    public static let gb18030 = SpecificCharacterSet(terms: ["GB18030"])

    /// Many Chinese modalities send GB18030 text without declaring it. When nothing is declared and the bytes are
    /// not ASCII, text that is valid UTF-8 is read as UTF-8, anything else as this encoding.
    public static let undeclaredFallback = "GB18030"

    var usesCodeExtensions: Bool { terms.count > 1 || terms.contains { $0.hasPrefix("ISO 2022") } }

    /// The iconv name of a single-term (non-extension) character set.
    static func iconvName(_ term: String) -> String? {
        switch term {
        case "", "ISO_IR 6", "ISO 2022 IR 6": "ASCII"
        case "ISO_IR 100", "ISO 2022 IR 100": "ISO-8859-1"
        case "ISO_IR 101", "ISO 2022 IR 101": "ISO-8859-2"
        case "ISO_IR 109", "ISO 2022 IR 109": "ISO-8859-3"
        case "ISO_IR 110", "ISO 2022 IR 110": "ISO-8859-4"
        case "ISO_IR 144", "ISO 2022 IR 144": "ISO-8859-5"
        case "ISO_IR 127", "ISO 2022 IR 127": "ISO-8859-6"
        case "ISO_IR 126", "ISO 2022 IR 126": "ISO-8859-7"
        case "ISO_IR 138", "ISO 2022 IR 138": "ISO-8859-8"
        case "ISO_IR 148", "ISO 2022 IR 148": "ISO-8859-9"
        case "ISO_IR 203", "ISO 2022 IR 203": "ISO-8859-15"
        case "ISO_IR 166", "ISO 2022 IR 166": "TIS-620"
        case "ISO_IR 13", "ISO 2022 IR 13": "SHIFT_JIS"
        case "ISO_IR 192": "UTF-8"
        case "GB18030": "GB18030"
        case "GBK": "GBK"
        case "ISO 2022 IR 58": "GB2312"
        case "ISO 2022 IR 149": "EUC-KR"
        case "ISO 2022 IR 87", "ISO 2022 IR 159": "EUC-JP"
        default: nil
        }
    }

    // MARK: Decoding

    public func decode(_ data: Data) -> String { decode(data, vr: .LO) }

    public func decode(_ data: Data, vr: VR) -> String {
        if data.allSatisfy({ $0 < 0x80 && $0 != 0x1B }) { return String(decoding: data, as: UTF8.self) }
        if usesCodeExtensions { return ISO2022Decoder(terms: terms, isPersonName: vr == .PN).decode([UInt8](data)) }
        let term = terms.first ?? ""
        if term.isEmpty || term == "ISO_IR 6" {
            if let s = String(validatingUTF8Data: data) { return s }
            return Iconv.decode([UInt8](data), from: Self.undeclaredFallback)
        }
        if term == "ISO_IR 192" { return String(decoding: data, as: UTF8.self) }
        return Iconv.decode([UInt8](data), from: Self.iconvName(term) ?? "ISO-8859-1")
    }

    /// Decodes, then splits multi-valued strings. (Splitting bytes on 0x5C first would cut GBK characters whose
    /// second byte is 0x5C.)
    public func decodeValues(_ data: Data, vr: VR) -> [String] {
        let text = vr.usesSpecificCharacterSet ? decode(data, vr: vr) : String(decoding: data, as: UTF8.self)
        return text.split(separator: "\\", omittingEmptySubsequences: false).map(String.init)
    }

    // MARK: Encoding

    /// Encodes text in this character set. Characters it cannot represent become `?`.
    public func encode(_ text: String, vr: VR) -> Data {
        if text.allSatisfy(\.isASCII) { return Data(text.utf8) }
        if usesCodeExtensions { return Data(ISO2022Encoder(terms: terms).encode(text)) }
        let term = terms.first ?? ""
        if term == "ISO_IR 192" { return Data(text.utf8) }
        let name = term.isEmpty ? "ASCII" : Self.iconvName(term) ?? "ASCII"
        return Data(Iconv.encode(text, to: name))
    }
}

extension String {
    init?(validatingUTF8Data data: Data) {
        guard let s = String(bytes: data, encoding: .utf8) else { return nil }
        self = s
    }
}

/// Thin wrapper over iconv(3). Invalid input becomes U+FFFD rather than an error: a name with one bad byte
/// should still be shown.
enum Iconv {
    static func decode(_ bytes: [UInt8], from encoding: String) -> String {
        guard !bytes.isEmpty else { return "" }
        let out = convert(bytes, from: encoding, to: "UTF-8", replacement: Array("\u{FFFD}".utf8))
        return String(decoding: out, as: UTF8.self)
    }

    static func encode(_ text: String, to encoding: String) -> [UInt8] {
        var out: [UInt8] = []
        // Character by character, so that one unencodable character becomes one '?'.
        for ch in text {
            let bytes = convert(Array(String(ch).utf8), from: "UTF-8", to: encoding, replacement: nil)
            out += bytes.isEmpty ? [0x3F] : bytes
        }
        return out
    }

    /// Converts; on an invalid or unconvertible sequence either appends `replacement` and skips one byte, or
    /// (replacement nil) returns what was converted so far... as empty to signal failure.
    static func convert(_ input: [UInt8], from: String, to: String, replacement: [UInt8]?) -> [UInt8] {
        let cd = iconv_open(to, from)
        guard cd != iconv_t(bitPattern: -1) else { return replacement == nil ? [] : input.map { $0 < 0x80 ? $0 : 0x3F } }
        defer { iconv_close(cd) }
        var result: [UInt8] = []
        var source = input
        var start = 0
        var buffer = [UInt8](repeating: 0, count: max(64, input.count * 4))
        while start < source.count {
            let (consumed, produced, failed) = source.withUnsafeMutableBufferPointer { src -> (Int, Int, Bool) in
                buffer.withUnsafeMutableBufferPointer { dst -> (Int, Int, Bool) in
                    var inPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(src.baseAddress! + start).assumingMemoryBound(to: CChar.self)
                    var inLeft = src.count - start
                    var outPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(dst.baseAddress!).assumingMemoryBound(to: CChar.self)
                    var outLeft = dst.count
                    let rc = iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft)
                    return ((src.count - start) - inLeft, dst.count - outLeft, rc == -1 && errno != E2BIG)
                }
            }
            result += buffer[0..<produced]
            start += consumed
            if failed {
                guard let replacement else { return [] }
                result += replacement
                start += 1
                _ = iconv(cd, nil, nil, nil, nil)
            } else if consumed == 0 && produced == 0 {
                break
            }
        }
        return result
    }
}
