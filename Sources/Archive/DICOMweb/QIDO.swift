import DICOM
import DICOMNetwork
import Foundation
import Platform
import SQLKit

/// A QIDO-RS search (PS3.18 10.6) as the archive understands it: the URL's level and parent UIDs, attribute
/// matches, `includefield`, `limit`/`offset` and `fuzzymatching`. Parsed from the query string; every mistake is a
/// 400 that names the parameter.
public struct QIDOSearch: Sendable, Equatable {
    public enum Level: String, Sendable { case study, series, instance }

    public var level: Level
    public var studyUID: String?
    public var seriesUID: String?
    /// Attribute → value as DICOM matching expects it (UID lists joined by `\`).
    public var matches: [Tag: String] = [:]
    public var includeFields: Set<Tag> = []
    public var includeAll = false
    public var limit = 100
    public var offset = 0
    public var fuzzy = false

    public static let maxLimit = 5000

    public init(level: Level, studyUID: String? = nil, seriesUID: String? = nil) {
        self.level = level
        self.studyUID = studyUID
        self.seriesUID = seriesUID
    }

    /// `parameters` as they appear in the URL, repeated keys kept.
    public init(level: Level, studyUID: String? = nil, seriesUID: String? = nil, parameters: [(String, String)]) throws {
        self.init(level: level, studyUID: studyUID, seriesUID: seriesUID)
        for (name, value) in parameters {
            switch name {
            case "limit":
                guard let n = Int(value), n >= 0 else { throw Self.bad(name, "应为非负整数", "must be a non-negative integer") }
                limit = min(n, Self.maxLimit)
            case "offset":
                guard let n = Int(value), n >= 0 else { throw Self.bad(name, "应为非负整数", "must be a non-negative integer") }
                offset = n
            case "fuzzymatching":
                guard let b = Bool(value.lowercased()) else { throw Self.bad(name, "应为 true 或 false", "must be true or false") }
                fuzzy = b
            case "includefield":
                for field in value.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !field.isEmpty {
                    if field == "all" { includeAll = true; continue }
                    includeFields.insert(try Self.tag(field))
                }
            default:
                let tag = try Self.tag(name)
                let vr = DataDictionary.entry(for: tag)?.vrs.first ?? .UN
                guard vr != .SQ else { throw Self.bad(name, "暂不支持按序列属性匹配", "matching on sequence attributes is not supported") }
                // Several values (repeated parameter or a comma list of UIDs/codes) are alternatives.
                var alternatives = [value]
                if vr == .UI || vr == .CS { alternatives = value.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
                let joined = ((matches[tag].map { [$0] } ?? []) + alternatives).joined(separator: "\\")
                matches[tag] = joined
            }
        }
    }

    /// An attribute named by keyword (`PatientName`) or tag (`00100010`).
    static func tag(_ name: String) throws -> Tag {
        if name.count == 8, let value = UInt32(name, radix: 16) { return Tag(UInt16(value >> 16), UInt16(value & 0xFFFF)) }
        if name.contains(".") { throw bad(name, "暂不支持序列路径", "attribute paths into sequences are not supported") }
        guard let tag = DataDictionary.tag(forKeyword: name) else { throw bad(name, "不是已知的 DICOM 属性", "is not a known DICOM attribute") }
        return tag
    }

    static func bad(_ parameter: String, _ zh: String, _ en: String) -> DomainError {
        DomainError(status: 400, code: "bad_query", zh: "查询参数 \(parameter) \(zh)", en: "query parameter \(parameter) \(en)")
    }

    /// The attributes PS3.18 Table 10.6.3-3/4/5 return by default, plus the study description viewers show.
    static let defaults: [Level: [Tag]] = [
        .study: [
            Tag(0x0008, 0x0020), Tag(0x0008, 0x0030), Tag(0x0008, 0x0050), Tag(0x0008, 0x0056), Tag(0x0008, 0x0061), Tag(0x0008, 0x0090),
            Tag(0x0008, 0x1030), Tag(0x0010, 0x0010), Tag(0x0010, 0x0020), Tag(0x0010, 0x0030), Tag(0x0010, 0x0040), Tag(0x0020, 0x000D),
            Tag(0x0020, 0x0010), Tag(0x0020, 0x1206), Tag(0x0020, 0x1208),
        ],
        .series: [
            Tag(0x0008, 0x0060), Tag(0x0008, 0x0021), Tag(0x0008, 0x103E), Tag(0x0018, 0x0015), Tag(0x0020, 0x000D), Tag(0x0020, 0x000E),
            Tag(0x0020, 0x0011), Tag(0x0020, 0x1209),
        ],
        .instance: [
            Tag(0x0008, 0x0016), Tag(0x0008, 0x0018), Tag(0x0008, 0x0056), Tag(0x0020, 0x000D), Tag(0x0020, 0x000E), Tag(0x0020, 0x0013),
            Tag(0x0028, 0x0008), Tag(0x0028, 0x0010), Tag(0x0028, 0x0011), Tag(0x0028, 0x0100),
        ],
    ]

    /// Every attribute the index holds, for `includefield=all`.
    static var indexed: [Tag] { ArchiveQueryService.columns.map(\.tag) }

    /// The C-FIND identifier this search amounts to (UTF-8, so Chinese names match as typed).
    func identifier() -> DataSet {
        var ds = DataSet()
        ds.characterSet = .utf8
        ds.set(.specificCharacterSet, .CS, string: "ISO_IR 192")
        let qrLevel: ArchiveQueryService.Level = level == .study ? .study : level == .series ? .series : .image
        ds.set(QueryMatcher.queryRetrieveLevel, .CS, string: qrLevel.rawValue)
        var keys = Set(Self.defaults[level] ?? []).union(includeFields)
        if includeAll {
            keys.formUnion(ArchiveQueryService.columns.filter { $0.level.depth <= qrLevel.depth }.map(\.tag))
        }
        for tag in keys.union(matches.keys) where tag != Tag(0x0008, 0x1190) {
            let vr = DataDictionary.entry(for: tag)?.vrs.first ?? .UN
            var value = matches[tag] ?? ""
            if fuzzy, vr == .PN, !value.isEmpty { value = Self.fuzzyName(value) }
            if vr == .SQ { ds.set(Element(tag: tag, vr: .SQ, value: .sequence([]))) } else { ds.set(tag, vr, string: value) }
        }
        if let studyUID { ds.set(.studyInstanceUID, .UI, string: studyUID) }
        if let seriesUID { ds.set(.seriesInstanceUID, .UI, string: seriesUID) }
        return ds
    }

    /// Fuzzy person-name matching: each alternative matches anywhere inside any name group, so `三` finds
    /// `张^三` and `zhangsan` finds `Zhang^San` (case and `^` are already ignored by the matcher).
    static func fuzzyName(_ value: String) -> String {
        value.split(separator: "\\").map { alternative -> String in
            alternative.split(separator: "=", omittingEmptySubsequences: false).map { group -> String in
                let g = group.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "*"))
                return g.isEmpty ? "" : "*" + g + "*"
            }.joined(separator: "=")
        }.joined(separator: "\\")
    }
}

extension ArchiveQueryService {
    /// Runs a QIDO search within `scope`: the matches of the page and whether more exist.
    public func search(_ search: QIDOSearch, scope: Scope) async throws -> (items: [DataSet], total: Int) {
        let level: Level = search.level == .study ? .study : search.level == .series ? .series : .image
        let identifier = search.identifier()
        let order: String =
            switch search.level {
            case .study: "s.study_date DESC, s.study_time DESC, s.id DESC"
            case .series: "s.id, LENGTH(se.series_number), se.series_number, se.id"
            case .instance: "se.id, LENGTH(i.instance_number), i.instance_number, i.id"
            }
        let candidates: [DataSet]
        do {
            if search.matches.isEmpty {
                // Nothing to match beyond the UIDs in the URL, which SQL decides exactly: page in the database.
                let restrict = Self.scopeFilter(scope)
                let total = try await count(level: level, identifier: identifier, restrict: restrict)
                let page = try await self.candidates(level: level, identifier: identifier, restrict: restrict, order: order,
                                                     window: (search.limit, search.offset))
                return (page.map { candidate in
                    var out = response(identifier, candidate: candidate, level: level, charset: .utf8)
                    _ = out.remove(QueryMatcher.queryRetrieveLevel)
                    return out
                }, total)
            }
            candidates = try await self.candidates(level: level, identifier: identifier, restrict: Self.scopeFilter(scope), order: order)
        } catch DIMSEError.status(_, let why) {
            throw DomainError(status: 413, code: "too_many_matches", zh: "匹配结果过多，请缩小查询范围", en: why)
        }
        var items: [DataSet] = []
        var total = 0
        for candidate in candidates where QueryMatcher.matches(identifier, candidate) {
            total += 1
            guard total > search.offset, items.count < search.limit else { continue }
            var out = response(identifier, candidate: candidate, level: level, charset: .utf8)
            _ = out.remove(QueryMatcher.queryRetrieveLevel)
            items.append(out)
        }
        return (items, total)
    }

    /// Studies a user may see: all, or those filed under one of the user's institutions. A study from a node that
    /// has no institution belongs to the archive's home institution, the first one set up (the hospital running it).
    static func scopeFilter(_ scope: Scope) -> SQLQueryString {
        // Leading space and parentheses: callers append this right after "WHERE" or "AND" in multi-line SQL.
        if scope.allInstitutions { return " (1 = 1)" }
        if scope.institutionIDs.isEmpty { return " (1 = 0)" }
        var list = SQLQueryString("(")
        for (n, id) in scope.institutionIDs.sorted().enumerated() { list = list + (n == 0 ? "" : ", ") + "\(bind: id)" }
        list = list + ")"
        return " (s.institution_id IN " + list + " OR (s.institution_id IS NULL AND (SELECT MIN(id) FROM institutions) IN " + list + "))"
    }
}
