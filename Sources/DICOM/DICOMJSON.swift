import Foundation

/// The DICOM JSON model (PS3.18 F.2): what QIDO-RS and `yunying dicom dump --json` return.
public enum DICOMJSON {
    /// Binary values above this size are replaced by a `BulkDataURI` built by `bulkDataURI` (when given).
    public struct Options: Sendable {
        public var bulkDataThreshold: Int
        public var bulkDataURI: (@Sendable (Tag) -> String)?
        public init(bulkDataThreshold: Int = Int.max, bulkDataURI: (@Sendable (Tag) -> String)? = nil) {
            self.bulkDataThreshold = bulkDataThreshold
            self.bulkDataURI = bulkDataURI
        }
    }

    public static func encode(_ dataset: DataSet, options: Options = Options(), pretty: Bool = false) -> String {
        var out = ""
        write(object(dataset, options), to: &out, indent: pretty ? 0 : nil)
        return out
    }

    indirect enum Node {
        case string(String)
        case int(Int)
        case double(Double)
        case null
        case array([Node])
        case object([(String, Node)])
    }

    static func object(_ ds: DataSet, _ options: Options) -> Node {
        var members: [(String, Node)] = []
        for e in ds.elements {
            let key = hex(e.tag.group) + hex(e.tag.element)
            var attrs: [(String, Node)] = [("vr", .string(e.vr.rawValue))]
            switch e.value {
            case .sequence(let items):
                if !items.isEmpty { attrs.append(("Value", .array(items.map { object($0, options) }))) }
            case .encapsulated:
                var w = DICOMWriter.Writer(explicitVR: true, littleEndian: true)
                w.write(e, sourceLittleEndian: true)
                let encoded = w.out.dropFirst(12).dropLast(8)  // neither the header nor the sequence delimiter is value
                attrs.append(binary(Data(encoded), e.tag, options))
            case .bytes(let data):
                if data.isEmpty { break }
                if let v = values(e, data, in: ds) {
                    attrs.append(("Value", .array(v)))
                } else {
                    let le = ds.littleEndian || e.vr.swapUnit == 1 ? data : DICOMWriter.swapped(data, unit: e.vr.swapUnit)
                    attrs.append(binary(le, e.tag, options))
                }
            }
            members.append((key, .object(attrs)))
        }
        return .object(members)
    }

    static func binary(_ data: Data, _ tag: Tag, _ options: Options) -> (String, Node) {
        if data.count > options.bulkDataThreshold, let uri = options.bulkDataURI { return ("BulkDataURI", .string(uri(tag))) }
        return ("InlineBinary", .string(data.base64EncodedString()))
    }

    /// Typed values, or nil for VRs carried as binary.
    static func values(_ e: Element, _ data: Data, in ds: DataSet) -> [Node]? {
        switch e.vr {
        case .PN:
            return ds.characterSet.decodeValues(data, vr: .PN).map { raw in
                let v = ds.trim(raw, vr: .PN)
                if v.isEmpty { return .null }
                let groups = v.split(separator: "=", omittingEmptySubsequences: false)
                var members: [(String, Node)] = []
                for (name, i) in [("Alphabetic", 0), ("Ideographic", 1), ("Phonetic", 2)] where i < groups.count && !groups[i].isEmpty {
                    members.append((name, .string(String(groups[i]))))
                }
                return .object(members)
            }
        case .DS, .IS:
            return (ds.strings(e.tag) ?? []).map { s in
                let t = s.trimmingCharacters(in: .whitespaces)
                if t.isEmpty { return .null }
                if e.vr == .IS, let i = Int(t) { return .int(i) }
                if let d = Double(t), d.isFinite { return d == d.rounded() && abs(d) < 1e15 && !t.contains(".") && !t.lowercased().contains("e") ? .int(Int(d)) : .double(d) }
                return .string(t)
            }
        case .LT, .ST, .UT, .UR:
            return [.string(ds.string(e.tag) ?? "")]
        case .AT:
            return (ds.tagValues(e.tag) ?? []).map { .string(hex($0.group) + hex($0.element)) }
        case .US, .SS, .UL, .SL, .SV, .UV:
            return (ds.ints(e.tag) ?? []).map { .int($0) }
        case .FL, .FD:
            return (ds.doubles(e.tag) ?? []).map { .double($0) }
        case .OB, .OD, .OF, .OL, .OV, .OW, .UN, .SQ:
            return nil
        default:
            return (ds.strings(e.tag) ?? []).map { $0.isEmpty ? .null : .string($0) }
        }
    }

    static func write(_ node: Node, to out: inout String, indent: Int?) {
        let nl = indent.map { "\n" + String(repeating: "  ", count: $0 + 1) } ?? ""
        let close = indent.map { "\n" + String(repeating: "  ", count: $0) } ?? ""
        let next = indent.map { $0 + 1 }
        switch node {
        case .null: out += "null"
        case .int(let i): out += String(i)
        case .double(let d): out += d.isFinite ? (d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)) : "null"
        case .string(let s): escape(s, into: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                out += (i > 0 ? "," : "") + nl
                write(item, to: &out, indent: next)
            }
            out += (items.isEmpty ? "" : close) + "]"
        case .object(let members):
            out += "{"
            for (i, (k, v)) in members.enumerated() {
                out += (i > 0 ? "," : "") + nl
                escape(k, into: &out)
                out += indent == nil ? ":" : ": "
                write(v, to: &out, indent: next)
            }
            out += (members.isEmpty ? "" : close) + "}"
        }
    }

    static func escape(_ s: String, into out: inout String) {
        out += "\""
        // Almost every value needs no escaping: append it whole (a QIDO page is tens of thousands of values).
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            out += s
            out += "\""
            return
        }
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20:
                let h = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
            default: out.unicodeScalars.append(u)
            }
        }
        out += "\""
    }
}

/// A `dcmdump`-like text listing.
public enum DICOMDump {
    public static func text(_ file: DICOMFile) -> String {
        var out = "# Dicom-File-Format\n\n# Dicom-Meta-Information-Header\n# Used TransferSyntax: Little Endian Explicit\n"
        lines(file.meta, depth: 0, into: &out)
        out += "\n# Dicom-Data-Set\n# Used TransferSyntax: \(file.transferSyntax.name)\n"
        lines(file.dataset, depth: 0, into: &out)
        return out
    }

    static let hexDigits = Array("0123456789abcdef")

    static func hexBytes(_ bytes: Data) -> String {
        var s = ""
        s.reserveCapacity(bytes.count * 3)
        for (i, b) in bytes.enumerated() {
            if i > 0 { s.append("\\") }
            s.append(hexDigits[Int(b >> 4)])
            s.append(hexDigits[Int(b & 0xF)])
        }
        return s
    }

    static func lines(_ ds: DataSet, depth: Int, into out: inout String) {
        let pad = String(repeating: "  ", count: depth)
        for e in ds.elements {
            let name = DataDictionary.keyword(for: e.tag) ?? (e.tag.isPrivateCreator ? "PrivateCreator" : "Unknown Tag & Data")
            switch e.value {
            case .sequence(let items):
                out += "\(pad)\(e.tag) SQ (Sequence with \(e.undefinedLength ? "undefined" : "explicit") length #=\(items.count)) # \(name)\n"
                for item in items {
                    out += "\(pad)  (fffe,e000) na (Item with \(item.undefinedLength ? "undefined" : "explicit") length)\n"
                    lines(item, depth: depth + 2, into: &out)
                }
            case .encapsulated(let p):
                out += "\(pad)\(e.tag) \(e.vr.rawValue) (PixelSequence #=\(p.fragments.count + 1)) # \(name)\n"
                out += "\(pad)  (fffe,e000) pi offset table with \(p.basicOffsetTable.count) entries\n"
                for f in p.fragments { out += "\(pad)  (fffe,e000) pi (\(f.count) bytes)\n" }
            case .bytes(let data):
                let value: String
                if e.vr.isString {
                    let s = ds.string(e.tag) ?? ""
                    value = "[" + (s.count > 64 ? String(s.prefix(64)) + "..." : s) + "]"
                } else if ![.OB, .OW, .OD, .OF, .OL, .OV, .UN].contains(e.vr), let n = ds.ints(e.tag) {
                    value = n.prefix(8).map(String.init).joined(separator: "\\") + (n.count > 8 ? "..." : "")
                } else if e.vr == .FL || e.vr == .FD, let d = ds.doubles(e.tag) {
                    value = d.prefix(8).map { String($0) }.joined(separator: "\\")
                } else {
                    value = hexBytes(data.prefix(16)) + (data.count > 16 ? "..." : "")
                }
                out += pad
                out += e.tag.description
                out += " "
                out += e.vr.rawValue
                out += " "
                out += value
                out += " # "
                out += String(data.count)
                out += ", "
                out += name
                out += "\n"
            }
        }
    }
}
