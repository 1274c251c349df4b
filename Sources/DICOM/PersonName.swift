/// A person name (PN): up to three component groups — alphabetic, ideographic, phonetic — each with family,
/// given, middle, prefix and suffix parts (PS3.5 6.2.1). `Zhang^San=张^三=ㄓㄤ^ㄙㄢ`.
public struct PersonName: Sendable, Equatable, CustomStringConvertible {
    public struct Group: Sendable, Equatable {
        public var family: String
        public var given: String
        public var middle: String
        public var prefix: String
        public var suffix: String

        public init(family: String = "", given: String = "", middle: String = "", prefix: String = "", suffix: String = "") {
            self.family = family
            self.given = given
            self.middle = middle
            self.prefix = prefix
            self.suffix = suffix
        }

        init(_ text: Substring) {
            let parts = text.split(separator: "^", omittingEmptySubsequences: false).map(String.init)
            func part(_ i: Int) -> String { i < parts.count ? parts[i] : "" }
            self.init(family: part(0), given: part(1), middle: part(2), prefix: part(3), suffix: part(4))
        }

        public var isEmpty: Bool { [family, given, middle, prefix, suffix].allSatisfy(\.isEmpty) }

        var dicom: String {
            var parts = [family, given, middle, prefix, suffix]
            while parts.last?.isEmpty == true { parts.removeLast() }
            return parts.joined(separator: "^")
        }
    }

    public var alphabetic: Group
    public var ideographic: Group
    public var phonetic: Group

    public init(alphabetic: Group = Group(), ideographic: Group = Group(), phonetic: Group = Group()) {
        self.alphabetic = alphabetic
        self.ideographic = ideographic
        self.phonetic = phonetic
    }

    public init(dicom: String) {
        let groups = dicom.split(separator: "=", omittingEmptySubsequences: false)
        alphabetic = groups.count > 0 ? Group(groups[0]) : Group()
        ideographic = groups.count > 1 ? Group(groups[1]) : Group()
        phonetic = groups.count > 2 ? Group(groups[2]) : Group()
    }

    /// The encoded form, without trailing empty components or groups.
    public var dicom: String {
        var groups = [alphabetic.dicom, ideographic.dicom, phonetic.dicom]
        while groups.last?.isEmpty == true { groups.removeLast() }
        return groups.joined(separator: "=")
    }

    public var description: String { dicom }

    /// How a Chinese user expects to see the name: the ideographic group when present (family name first, no
    /// separator: 张三), else the alphabetic one (a bare `张三` sent in the alphabetic group is common).
    public var displayName: String {
        let g = ideographic.isEmpty ? alphabetic : ideographic
        let isCJK = (g.family + g.given).unicodeScalars.contains { $0.properties.isIdeographic }
        if isCJK { return g.family + g.given }
        return [g.prefix, g.given, g.middle, g.family, g.suffix].filter { !$0.isEmpty }.joined(separator: " ")
    }
}
