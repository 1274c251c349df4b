import Foundation

/// Typed access to element values, decoded on demand from the raw bytes.
extension DataSet {
    /// The raw string of a string-VR element (decoded with the character set), padding removed.
    /// Multi-valued strings keep their backslashes; use `strings` to split them.
    public func string(_ tag: Tag) -> String? {
        guard let e = self[tag], let data = e.bytes else { return nil }
        return decodeString(data, vr: e.vr)
    }

    public func string(_ keyword: String) -> String? { DataDictionary.tag(forKeyword: keyword).flatMap { string($0) } }

    public func strings(_ tag: Tag) -> [String]? {
        guard let e = self[tag], let data = e.bytes else { return nil }
        if e.vr == .LT || e.vr == .ST || e.vr == .UT || e.vr == .UR {  // single-valued by definition
            return [decodeString(data, vr: e.vr)]
        }
        return characterSet.decodeValues(data, vr: e.vr).map { trim($0, vr: e.vr) }
    }

    func decodeString(_ data: Data, vr: VR) -> String {
        let raw = vr.usesSpecificCharacterSet ? characterSet.decode(data, vr: vr) : String(decoding: data, as: Unicode.ASCII.self)
        return trim(raw, vr: vr)
    }

    func trim(_ s: String, vr: VR) -> String {
        // Trailing spaces and NULs are padding; leading spaces are insignificant except in texts.
        var v = Substring(s)
        while let l = v.last, l == " " || l == "\0" { v = v.dropLast() }
        if vr != .LT && vr != .ST && vr != .UT { while let f = v.first, f == " " { v = v.dropFirst() } }
        return String(v)
    }

    /// Integers from binary (US, SS, UL, SL, SV, UV) or string (IS) values.
    public func ints(_ tag: Tag) -> [Int]? {
        guard let e = self[tag], let data = e.bytes else { return nil }
        switch e.vr {
        case .US, .OW: return numbers(data, UInt16.self).map(Int.init)
        case .SS: return numbers(data, Int16.self).map(Int.init)
        case .UL, .OL: return numbers(data, UInt32.self).map(Int.init)
        case .SL: return numbers(data, Int32.self).map(Int.init)
        case .SV: return numbers(data, Int64.self).map(Int.init)
        case .UV, .OV: return numbers(data, UInt64.self).map { Int(truncatingIfNeeded: $0) }
        case .IS, .DS: return strings(tag)?.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) ?? Double($0.trimmingCharacters(in: .whitespaces)).map { Int($0) } }
        default: return nil
        }
    }

    public func int(_ tag: Tag) -> Int? { ints(tag)?.first }

    public func doubles(_ tag: Tag) -> [Double]? {
        guard let e = self[tag], let data = e.bytes else { return nil }
        switch e.vr {
        case .FL, .OF: return numbers(data, UInt32.self).map { Double(Float(bitPattern: $0)) }
        case .FD, .OD: return numbers(data, UInt64.self).map { Double(bitPattern: $0) }
        case .DS, .IS: return strings(tag)?.compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        default: return ints(tag).map { $0.map(Double.init) }
        }
    }

    public func double(_ tag: Tag) -> Double? { doubles(tag)?.first }

    /// AT values: tags.
    public func tagValues(_ tag: Tag) -> [Tag]? {
        guard let e = self[tag], e.vr == .AT, let data = e.bytes else { return nil }
        let halves = numbers(data, UInt16.self)
        return stride(from: 0, to: halves.count - 1, by: 2).map { Tag(halves[$0], halves[$0 + 1]) }
    }

    public func personName(_ tag: Tag) -> PersonName? { string(tag).map(PersonName.init(dicom:)) }

    public func sequence(_ tag: Tag) -> [DataSet]? { self[tag]?.items }

    /// Fixed-width binary numbers in the dataset's byte order; a trailing partial value is ignored.
    func numbers<T: FixedWidthInteger>(_ data: Data, _: T.Type) -> [T] {
        let size = MemoryLayout<T>.size
        let count = data.count / size
        var out = [T]()
        out.reserveCapacity(count)
        data.withUnsafeBytes { raw in
            for i in 0..<count {
                let v = raw.loadUnaligned(fromByteOffset: i * size, as: T.self)
                out.append(littleEndian ? T(littleEndian: v) : T(bigEndian: v))
            }
        }
        return out
    }

    // MARK: Setting values

    /// Sets a string value, encoded in the dataset's character set and padded to even length.
    public mutating func set(_ tag: Tag, _ vr: VR, string: String) {
        var data = vr.usesSpecificCharacterSet ? characterSet.encode(string, vr: vr) : Data(string.utf8)
        if data.count % 2 == 1 { data.append(vr.paddingByte) }
        set(Element(tag: tag, vr: vr, value: .bytes(data)))
    }

    public mutating func set(_ tag: Tag, _ vr: VR, strings: [String]) { set(tag, vr, string: strings.joined(separator: "\\")) }

    /// Sets binary integers (US, SS, UL, SL, SV, UV) in the dataset's byte order.
    public mutating func set(_ tag: Tag, _ vr: VR, ints: [Int]) {
        var data = Data()
        func put<T: FixedWidthInteger>(_ v: T) {
            withUnsafeBytes(of: littleEndian ? v.littleEndian : v.bigEndian) { data.append(contentsOf: $0) }
        }
        for v in ints {
            switch vr {
            case .US, .OW: put(UInt16(truncatingIfNeeded: v))
            case .SS: put(Int16(truncatingIfNeeded: v))
            case .UL, .OL: put(UInt32(truncatingIfNeeded: v))
            case .SL: put(Int32(truncatingIfNeeded: v))
            case .SV: put(Int64(v))
            case .UV, .OV: put(UInt64(truncatingIfNeeded: v))
            default: break
            }
        }
        if vr == .IS || vr == .DS { set(tag, vr, strings: ints.map(String.init)) } else { set(Element(tag: tag, vr: vr, value: .bytes(data))) }
    }

    public mutating func set(_ tag: Tag, _ vr: VR, data: Data) {
        var d = data
        if d.count % 2 == 1 { d.append(vr.paddingByte) }
        set(Element(tag: tag, vr: vr, value: .bytes(d)))
    }
}
