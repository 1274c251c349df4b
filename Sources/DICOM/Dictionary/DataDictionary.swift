/// The PS3.6 data dictionary: tag ↔ keyword, VR, VM and name.
///
/// The generated table is one string; on first use only an index of its lines is built (tag → line offset), and
/// an entry's fields are parsed when that entry is asked for. Building full entries for all ~5,200 lines up front
/// cost more than parsing a CT header.
public enum DataDictionary {
    public struct Entry: Sendable {
        public let tag: Tag
        /// Allowed VRs; more than one for e.g. `US or SS` and `OB or OW`.
        public let vrs: [VR]
        public let vm: String
        public let keyword: String
        public let name: String
        public let retired: Bool
        public var vr: VR { vrs.first ?? .UN }
    }

    struct Index: Sendable {
        let bytes: [UInt8]
        var tags: [UInt32] = []
        var lineStarts: [Int] = []
        var repeaters: [(mask: UInt32, value: UInt32, start: Int)] = []
    }

    static let index: Index = {
        var index = Index(bytes: Array(table.utf8))
        let b = index.bytes
        var start = 0
        while start + 8 <= b.count {
            var value: UInt32 = 0, mask: UInt32 = 0
            for i in 0..<8 {
                let c = b[start + i]
                let digit: UInt32 = c >= 0x30 && c <= 0x39 ? UInt32(c - 0x30) : (c >= 0x41 && c <= 0x46 ? UInt32(c - 0x37) : 0)
                value = value << 4 | digit
                mask = mask << 4 | (c == 0x78 ? 0 : 0xF)  // 'x' marks a repeating-group digit
            }
            if mask == 0xFFFF_FFFF {
                index.tags.append(value)
                index.lineStarts.append(start)
            } else {
                index.repeaters.append((mask, value, start))
            }
            var end = start
            while end < b.count, b[end] != 0x0A { end += 1 }
            start = end + 1
        }
        return index  // the generator emits the table sorted by tag
    }()

    static func parseLine(at start: Int, tag: Tag) -> Entry {
        let b = index.bytes
        var fields: [String] = []
        var fieldStart = start
        var i = start
        while i <= b.count {
            if i == b.count || b[i] == 0x09 || b[i] == 0x0A {
                fields.append(String(decoding: b[fieldStart..<i], as: UTF8.self))
                if i == b.count || b[i] == 0x0A || fields.count == 6 { break }
                fieldStart = i + 1
            }
            i += 1
        }
        while fields.count < 6 { fields.append("") }
        return Entry(tag: tag, vrs: fields[1].split(separator: "/").compactMap { VR(rawValue: String($0)) }, vm: fields[2],
                     keyword: fields[3], name: fields[4], retired: fields[5] == "R")
    }

    static func lineStart(for tag: Tag) -> Int? {
        let tags = index.tags
        var lo = 0, hi = tags.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if tags[mid] < tag.rawValue { lo = mid + 1 } else { hi = mid }
        }
        if lo < tags.count, tags[lo] == tag.rawValue { return index.lineStarts[lo] }
        return index.repeaters.first { tag.rawValue & $0.mask == $0.value }?.start
    }

    public static func entry(for tag: Tag) -> Entry? {
        if tag.isGroupLength, !tag.isPrivate, index.tags.isEmpty || lineStart(for: tag) == nil {
            return Entry(tag: tag, vrs: [.UL], vm: "1", keyword: "", name: "Group Length", retired: false)
        }
        if tag.isPrivateCreator { return Entry(tag: tag, vrs: [.LO], vm: "1", keyword: "", name: "Private Creator", retired: false) }
        if tag.isPrivate { return nil }
        return lineStart(for: tag).map { parseLine(at: $0, tag: tag) }
    }

    /// Keyword lookups are rarer (command line, tests); their table is built on first use.
    static let byKeyword: [String: Tag] = {
        var map: [String: Tag] = [:]
        for (i, start) in index.lineStarts.enumerated() {
            let e = parseLine(at: start, tag: Tag(rawValue: index.tags[i]))
            if !e.keyword.isEmpty { map[e.keyword] = e.tag }
        }
        for r in index.repeaters {
            let e = parseLine(at: r.start, tag: Tag(rawValue: r.value))
            if !e.keyword.isEmpty, map[e.keyword] == nil { map[e.keyword] = e.tag }
        }
        return map
    }()

    public static func entry(forKeyword keyword: String) -> Entry? { byKeyword[keyword].flatMap { entry(for: $0) } }

    public static func tag(forKeyword keyword: String) -> Tag? { byKeyword[keyword] }

    /// The keyword alone, read straight from the table line (dumps ask for it once per element).
    public static func keyword(for tag: Tag) -> String? {
        guard !tag.isPrivate, let start = lineStart(for: tag) else { return nil }
        let b = index.bytes
        var i = start, tabs = 0
        while i < b.count, tabs < 3, b[i] != 0x0A {
            if b[i] == 0x09 { tabs += 1 }
            i += 1
        }
        var end = i
        while end < b.count, b[end] != 0x09, b[end] != 0x0A { end += 1 }
        return end > i ? String(decoding: b[i..<end], as: UTF8.self) : nil
    }

    /// The VR to assume for implicit-VR data: the dictionary's first choice, UN when unknown.
    public static func vr(for tag: Tag) -> VR { entry(for: tag)?.vr ?? .UN }
}
