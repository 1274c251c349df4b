/// The PS3.6 data dictionary: tag ↔ keyword, VR, VM and name. Parsed once from the generated table.
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

    struct Repeater: Sendable {
        let mask: UInt32
        let value: UInt32
        let entry: Entry
    }

    struct Tables: Sendable {
        var byTag: [UInt32: Entry] = [:]
        var byKeyword: [String: Entry] = [:]
        var repeaters: [Repeater] = []
    }

    static let tables: Tables = {
        var t = Tables()
        for line in table.split(separator: "\n") {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard f.count >= 6 else { continue }
            let pattern = String(f[0])
            let vrs = f[1].split(separator: "/").compactMap { VR(rawValue: String($0)) }
            let value = UInt32(pattern.replacingOccurrences(of: "x", with: "0"), radix: 16) ?? 0
            let entry = Entry(tag: Tag(rawValue: value), vrs: vrs, vm: String(f[2]), keyword: String(f[3]), name: String(f[4]),
                              retired: f[5] == "R")
            if pattern.contains("x") {
                var mask: UInt32 = 0
                for ch in pattern { mask = mask << 4 | (ch == "x" ? 0 : 0xF) }
                t.repeaters.append(Repeater(mask: mask, value: value, entry: entry))
            } else {
                t.byTag[value] = entry
            }
            if !entry.keyword.isEmpty { t.byKeyword[entry.keyword] = entry }
        }
        return t
    }()

    public static func entry(for tag: Tag) -> Entry? {
        if let e = tables.byTag[tag.rawValue] { return e }
        if tag.isGroupLength, !tag.isPrivate {
            return Entry(tag: tag, vrs: [.UL], vm: "1", keyword: "", name: "Group Length", retired: false)
        }
        if tag.isPrivateCreator {
            return Entry(tag: tag, vrs: [.LO], vm: "1", keyword: "", name: "Private Creator", retired: false)
        }
        for r in tables.repeaters where tag.rawValue & r.mask == r.value {
            let e = r.entry
            return Entry(tag: tag, vrs: e.vrs, vm: e.vm, keyword: e.keyword, name: e.name, retired: e.retired)
        }
        return nil
    }

    public static func entry(forKeyword keyword: String) -> Entry? { tables.byKeyword[keyword] }

    public static func tag(forKeyword keyword: String) -> Tag? { tables.byKeyword[keyword]?.tag }

    public static func keyword(for tag: Tag) -> String? { entry(for: tag).flatMap { $0.keyword.isEmpty ? nil : $0.keyword } }

    /// The VR to assume for implicit-VR data: the dictionary's first choice, UN when unknown.
    public static func vr(for tag: Tag) -> VR { entry(for: tag)?.vr ?? .UN }
}
