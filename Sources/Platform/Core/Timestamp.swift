import Foundation

/// Timestamps are stored as ISO 8601 UTC text with milliseconds (`2026-11-29T10:54:58.123Z`): readable in
/// either database, sortable as text, and stable under hashing (the audit chain hashes them).
public enum Timestamp {
    public static func string(_ date: Date = Date()) -> String {
        let totalMillis = Int64((date.timeIntervalSince1970 * 1000).rounded())
        var whole = time_t(totalMillis / 1000)
        var parts = tm()
        gmtime_r(&whole, &parts)
        let millis = Int(totalMillis % 1000)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
            Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), millis)
    }

    /// Parses `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS[.sss]]` with an optional `Z` or `±HH:MM` (no zone = UTC).
    public static func parse(_ text: String) -> Date? {
        let s = Array(text.utf8)
        func num(_ from: Int, _ len: Int) -> Int? {
            guard from + len <= s.count else { return nil }
            var v = 0
            for i in from..<(from + len) {
                guard s[i] >= 48, s[i] <= 57 else { return nil }
                v = v * 10 + Int(s[i] - 48)
            }
            return v
        }
        guard let y = num(0, 4), s.count >= 10, s[4] == 45, let mo = num(5, 2), s[7] == 45, let d = num(8, 2),
            (1...12).contains(mo), (1...31).contains(d)
        else { return nil }
        var h = 0
        var mi = 0
        var sec = 0
        var frac = 0.0
        var offset = 0
        var i = 10
        if i < s.count, s[i] == 84 || s[i] == 32 {
            guard let hh = num(i + 1, 2), s.count > i + 3, s[i + 3] == 58, let mm = num(i + 4, 2), hh < 24, mm < 60
            else { return nil }
            h = hh
            mi = mm
            i += 6
            if i < s.count, s[i] == 58 {
                guard let ss = num(i + 1, 2), ss < 61 else { return nil }
                sec = ss
                i += 3
                if i < s.count, s[i] == 46 {
                    var j = i + 1
                    var scale = 0.1
                    while j < s.count, s[j] >= 48, s[j] <= 57 {
                        frac += Double(s[j] - 48) * scale
                        scale /= 10
                        j += 1
                    }
                    guard j > i + 1 else { return nil }
                    i = j
                }
            }
        }
        if i < s.count {
            if s[i] == 90, i == s.count - 1 {
                i += 1
            } else if s[i] == 43 || s[i] == 45, let oh = num(i + 1, 2), s.count == i + 6, s[i + 3] == 58,
                let om = num(i + 4, 2)
            {
                offset = (oh * 60 + om) * 60 * (s[i] == 43 ? 1 : -1)
                i = s.count
            } else {
                return nil
            }
        }
        var parts = tm()
        parts.tm_year = Int32(y - 1900)
        parts.tm_mon = Int32(mo - 1)
        parts.tm_mday = Int32(d)
        parts.tm_hour = Int32(h)
        parts.tm_min = Int32(mi)
        parts.tm_sec = Int32(sec)
        let epoch = timegm(&parts)
        return Date(timeIntervalSince1970: Double(epoch) + frac - Double(offset))
    }

    /// Normalizes a filter bound to the stored form, so text comparison in SQL is a time comparison.
    public static func normalized(_ text: String) -> String? { parse(text).map { string($0) } }
}
