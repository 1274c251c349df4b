import DICOM
import Foundation

/// Attribute matching of PS3.4 C.2.2.2, shared by Q/R FIND, worklist and QIDO: universal, single value, wildcard
/// (`*`, `?`), list of UIDs, range (DA, TM, DT), value lists, sequence matching. Person names match on any of their
/// three component groups, ignoring case and the `^` separators, so `张*` finds `Zhang^San=张^三` and `ZHANG*SAN`
/// finds `ZHANG^SAN`.
public enum QueryMatcher {
    /// Whether `candidate` satisfies every key of `query` that carries a value (keys without a value are
    /// return keys only). Tags in `skip` are not matched (query level, character set).
    /// With `combinedDateTime` (negotiated by the SCU, PS3.4 C.2.2.2.5) a date and a time key given together are one
    /// date-time range: `StudyDate=20261101-20261102`, `StudyTime=2200-0600` is the night between the two days.
    public static func matches(_ query: DataSet, _ candidate: DataSet, skip: Set<Tag> = [.specificCharacterSet, queryRetrieveLevel],
                               combinedDateTime: Bool = false) -> Bool {
        var skip = skip
        if combinedDateTime {
            for (date, time) in dateTimePairs {
                guard let d = query[date], let t = query[time], hasValue(d), hasValue(t),
                      let dates = query.string(date), let times = query.string(time) else { continue }
                guard combinedMatches(dates, times, candidate.string(date) ?? "", candidate.string(time) ?? "") else { return false }
                skip.insert(date)
                skip.insert(time)
            }
        }
        for element in query.elements where !skip.contains(element.tag) && element.tag.group != 0x0002 {
            if element.vr == .SQ {
                guard let items = element.items, let queryItem = items.first, !queryItem.isEmpty else { continue }
                let stored = candidate.sequence(element.tag) ?? []
                if !queryItem.elements.contains(where: { hasValue($0) }) { continue }
                if !stored.contains(where: { matches(queryItem, $0, skip: skip) }) { return false }
                continue
            }
            guard hasValue(element), let pattern = query.string(element.tag) else { continue }
            let values = candidate.strings(element.tag) ?? []
            if !matchesValue(pattern, values, vr: element.vr, tag: element.tag) { return false }
        }
        return true
    }

    public static let queryRetrieveLevel = Tag(0x0008, 0x0052)

    static func hasValue(_ element: Element) -> Bool {
        if element.vr == .SQ { return !(element.items ?? []).isEmpty }
        return (element.bytes?.contains { $0 != 0x20 && $0 != 0x00 } ?? false)
    }

    /// Free-text attributes people type from memory: matched without regard to case, like person names and codes.
    /// Identifiers (patient ID, accession number, study ID …) match exactly, as PS3.4 C.2.2.2.1 requires: `ab123`
    /// must not find patient `AB123`.
    public static let caseInsensitiveTags: Set<Tag> = [
        Tag(0x0008, 0x1030), Tag(0x0008, 0x103E), Tag(0x0008, 0x0080), Tag(0x0032, 0x1060), Tag(0x0040, 0x0007), Tag(0x0040, 0x0254),
        Tag(0x0008, 0x1010),
    ]

    static func caseInsensitive(_ vr: VR, _ tag: Tag?) -> Bool {
        vr == .PN || vr == .CS || tag.map(caseInsensitiveTags.contains) ?? false
    }

    /// One key: `pattern` as sent, `values` the candidate's values (any may match).
    public static func matchesValue(_ pattern: String, _ values: [String], vr: VR, tag: Tag? = nil) -> Bool {
        let pattern = pattern.trimmingCharacters(in: .whitespaces)
        if pattern.isEmpty || pattern == "*" { return true }
        let stored = values.map { $0.trimmingCharacters(in: .whitespaces) }
        switch vr {
        case .UI:
            let list = Set(pattern.split(separator: "\\").map { $0.trimmingCharacters(in: .whitespaces) })
            return stored.contains { list.contains($0) }
        case .DA, .TM, .DT:
            return pattern.split(separator: "\\", omittingEmptySubsequences: true).contains { alternative in
                stored.contains { inRange(String(alternative), $0, vr: vr) }
            }
        case .PN:
            return pattern.split(separator: "\\").contains { alternative in
                stored.contains { personNameMatches(String(alternative), $0) }
            }
        default:
            let insensitive = caseInsensitive(vr, tag)
            return pattern.split(separator: "\\").contains { alternative in
                let p = insensitive ? alternative.uppercased() : String(alternative)
                return stored.contains { wildcard(p, insensitive ? $0.uppercased() : $0) }
            }
        }
    }

    /// A person name pattern against a stored name: each non-empty group of the pattern must match some group of
    /// the stored name (any group, so a pattern in Chinese characters finds the ideographic group).
    static func personNameMatches(_ pattern: String, _ stored: String) -> Bool {
        let storedGroups = stored.split(separator: "=", omittingEmptySubsequences: false).map { compact(String($0)) }.filter { !$0.isEmpty }
        let patternGroups = pattern.split(separator: "=", omittingEmptySubsequences: false).map { compact(String($0)) }.filter { !$0.isEmpty }
        if patternGroups.isEmpty { return true }
        return patternGroups.allSatisfy { p in storedGroups.contains { wildcard(p, $0) } }
    }

    /// A name group without component separators and padding, upper-cased: "Zhang^San" → "ZHANGSAN".
    public static func compact(_ group: String) -> String {
        group.replacingOccurrences(of: "^", with: "").replacingOccurrences(of: " ", with: "").uppercased()
    }

    /// The searchable form of a stored name: its groups compacted, each between `=` (see `sqlNamePattern`).
    public static func nameSearchKey(_ name: String) -> String {
        "=" + name.split(separator: "=", omittingEmptySubsequences: false).map { compact(String($0)) }.joined(separator: "=") + "="
    }

    /// A LIKE pattern over `nameSearchKey` that finds every name the pattern can match (and possibly a few more;
    /// `matches` decides exactly).
    public static func sqlNamePattern(_ pattern: String) -> String? {
        let groups = pattern.split(separator: "=").map { compact(String($0)) }.filter { !$0.isEmpty }
        guard let longest = groups.max(by: { $0.count < $1.count }), longest != "*" else { return nil }
        return "%=" + sqlWildcard(longest) + "=%"
    }

    /// `*`/`?` to `%`/`_`, escaping LIKE's own metacharacters with `\`.
    public static func sqlWildcard(_ pattern: String) -> String {
        var out = ""
        for c in pattern {
            switch c {
            case "*": out.append("%")
            case "?": out.append("_")
            case "%", "_", "\\": out += "\\" + String(c)
            default: out.append(c)
            }
        }
        return out
    }

    /// `*` any run, `?` one character; otherwise exact.
    public static func wildcard(_ pattern: String, _ value: String) -> Bool {
        let p = Array(pattern), v = Array(value)
        var pi = 0, vi = 0, star = -1, mark = 0
        while vi < v.count {
            if pi < p.count && (p[pi] == "?" || p[pi] == v[vi]) {
                pi += 1
                vi += 1
            } else if pi < p.count && p[pi] == "*" {
                star = pi
                mark = vi
                pi += 1
            } else if star >= 0 {
                pi = star + 1
                mark += 1
                vi = mark
            } else {
                return false
            }
        }
        while pi < p.count && p[pi] == "*" { pi += 1 }
        return pi == p.count
    }

    /// Date and time attributes that combined date-time matching joins (PS3.4 C.2.2.2.5).
    public static let dateTimePairs: [(Tag, Tag)] = [
        (Tag(0x0008, 0x0020), Tag(0x0008, 0x0030)), (Tag(0x0008, 0x0021), Tag(0x0008, 0x0031)), (Tag(0x0008, 0x0022), Tag(0x0008, 0x0032)),
        (Tag(0x0008, 0x0023), Tag(0x0008, 0x0033)), (Tag(0x0040, 0x0002), Tag(0x0040, 0x0003)), (Tag(0x0040, 0x0244), Tag(0x0040, 0x0245)),
    ]

    /// A date key and a time key as one range over `date + time`: the low date with the low time to the high date
    /// with the high time. A single date with a time range is that day's window; an open end stays open.
    static func combinedMatches(_ datePattern: String, _ timePattern: String, _ date: String, _ time: String) -> Bool {
        func bounds(_ pattern: String, vr: VR) -> (String, String) {
            let p = normalise(pattern, vr: vr)
            guard let dash = p.firstIndex(of: "-") else { return (p, p) }
            return (String(p[..<dash]), String(p[p.index(after: dash)...]))
        }
        let (dLow, dHigh) = bounds(datePattern, vr: .DA)
        let (tLow, tHigh) = bounds(timePattern, vr: .TM)
        let d = normalise(date, vr: .DA), t = normalise(time, vr: .TM)
        guard !d.isEmpty else { return false }
        // Compare as YYYYMMDDHHMMSS.FFFFFF text: times padded on the right so "10" means 10:00:00.
        func stamp(_ day: String, _ clock: String, high: Bool) -> String {
            day + (clock.isEmpty ? (high ? "235959.999999" : "000000") : clock.padding(toLength: 6, withPad: high ? "9" : "0", startingAt: 0)
                + (clock.count > 6 ? "" : (high ? ".999999" : "")))
        }
        let value = d + (t.isEmpty ? "000000" : t)
        if !dLow.isEmpty && value < stamp(dLow, tLow, high: false) { return false }
        if !dHigh.isEmpty && value > stamp(dHigh, tHigh, high: true) { return false }
        return true
    }

    /// Range matching: `a-b`, `a-`, `-b`, or a single value; values compared in a normalised form.
    static func inRange(_ pattern: String, _ value: String, vr: VR) -> Bool {
        let v = normalise(value, vr: vr)
        guard !v.isEmpty else { return false }
        // A DT value may itself carry a "-hhmm" offset: there, only a single dash makes a range.
        let dashes = pattern.indices.filter { pattern[$0] == "-" }
        guard let dash = dashes.first, vr != .DT || dashes.count == 1 else {
            let p = normalise(pattern, vr: vr)
            return vr == .TM ? v.hasPrefix(p) : v == p || (vr == .DT && v.hasPrefix(p))
        }
        let low = normalise(String(pattern[..<dash]), vr: vr)
        let high = normalise(String(pattern[pattern.index(after: dash)...]), vr: vr)
        if !low.isEmpty && v < low { return false }
        // An upper bound of "20261129" includes the whole day; "1200" includes 12:00:59.
        if !high.isEmpty && v > high && !v.hasPrefix(high) { return false }
        return true
    }

    static func normalise(_ value: String, vr: VR) -> String {
        var s = value.trimmingCharacters(in: .whitespaces)
        if vr == .DA { s = s.replacingOccurrences(of: ".", with: "") }
        if vr == .TM { s = s.replacingOccurrences(of: ":", with: "") }
        return s
    }

    /// What the response carries for a requested key: the candidate's element, sequences reduced to the keys the
    /// query item asked for (an empty query item returns the whole items).
    public static func responseElement(for key: Element, from candidate: DataSet) -> Element? {
        guard let stored = candidate[key.tag] else { return nil }
        guard key.vr == .SQ, let queryItem = key.items?.first, !queryItem.isEmpty, let items = stored.items else { return stored }
        let reduced = items.map { item -> DataSet in
            var out = DataSet()
            out.characterSet = item.characterSet
            for sub in queryItem.elements {
                if let element = responseElement(for: sub, from: item) { out.set(element) } else { out.set(Element(tag: sub.tag, vr: sub.vr, value: sub.vr == .SQ ? .sequence([]) : .bytes(Data()))) }
            }
            return out
        }
        return Element(tag: key.tag, vr: .SQ, value: .sequence(reduced))
    }

    /// The response identifier for a match: every key the request named (the meta group and character set aside),
    /// with the candidate's value or empty, written in `charset`, which the response declares.
    public static func response(to identifier: DataSet, from candidate: DataSet, charset: SpecificCharacterSet) -> DataSet {
        var out = DataSet()
        out.characterSet = charset
        out.set(.specificCharacterSet, .CS, strings: charset.terms)
        for key in identifier.elements where key.tag.group != 0x0002 && key.tag != .specificCharacterSet {
            if let element = responseElement(for: key, from: candidate) {
                out.set(TextTranscoding.copy(element, from: candidate, into: charset))
            } else {
                out.set(Element(tag: key.tag, vr: key.vr, value: key.vr == .SQ ? .sequence([]) : .bytes(Data())))
            }
        }
        return out
    }
}
