import Foundation
import ZIPFoundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Reads the first worksheet of an .xlsx file as rows of strings (shared strings, inline strings and
/// numbers). Enough for importing tables that people edited in Excel or WPS.
public enum XLSXReader {
    /// Limits that keep a hostile upload from exhausting memory.
    public static let maxEntryBytes = 50 * 1024 * 1024
    public static let maxRows = 100_000

    public static func rows(_ data: Data) throws -> [[String]] {
        let archive: Archive
        do {
            archive = try Archive(data: data, accessMode: .read)
        } catch {
            throw SpreadsheetError.unreadable("not a ZIP archive")
        }
        func entry(_ path: String) throws -> Data? {
            guard let e = archive[path] else { return nil }
            guard e.uncompressedSize <= UInt64(maxEntryBytes) else { throw SpreadsheetError.unreadable("\(path) is too large") }
            var out = Data()
            _ = try archive.extract(e, skipCRC32: false) { out.append($0) }
            return out
        }
        let shared = try entry("xl/sharedStrings.xml").map(parseSharedStrings) ?? []
        let sheetPath = try firstSheetPath(workbook: entry("xl/workbook.xml"), rels: entry("xl/_rels/workbook.xml.rels"))
        guard let sheet = try entry(sheetPath) else { throw SpreadsheetError.unreadable("no worksheet") }
        let parser = SheetParser(shared: shared)
        let xml = XMLParser(data: sheet)
        xml.delegate = parser
        guard xml.parse() else { throw SpreadsheetError.unreadable("worksheet XML is malformed") }
        if parser.tooMany { throw SpreadsheetError.unreadable("more than \(maxRows) rows") }
        return parser.rows
    }

    static func firstSheetPath(workbook: Data?, rels: Data?) throws -> String {
        guard let workbook, let rels else { return "xl/worksheets/sheet1.xml" }
        let w = AttributeCollector(element: "sheet")
        let wp = XMLParser(data: workbook)
        wp.delegate = w
        _ = wp.parse()
        let r = AttributeCollector(element: "Relationship")
        let rp = XMLParser(data: rels)
        rp.delegate = r
        _ = rp.parse()
        guard let rid = w.found.first?["r:id"], let target = r.found.first(where: { $0["Id"] == rid })?["Target"] else {
            return "xl/worksheets/sheet1.xml"
        }
        return target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
    }

    static func parseSharedStrings(_ data: Data) throws -> [String] {
        let p = SharedStringsParser()
        let xml = XMLParser(data: data)
        xml.delegate = p
        guard xml.parse() else { throw SpreadsheetError.unreadable("sharedStrings.xml is malformed") }
        return p.strings
    }

    /// "B12" → 1 (zero-based column index).
    static func columnIndex(_ ref: String) -> Int {
        var n = 0
        for u in ref.unicodeScalars {
            guard u.value >= 65, u.value <= 90 else { break }
            n = n * 26 + Int(u.value - 64)
        }
        return max(0, n - 1)
    }
}

final class AttributeCollector: NSObject, XMLParserDelegate {
    let element: String
    var found: [[String: String]] = []
    init(element: String) { self.element = element }
    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        if name == element || name.hasSuffix(":" + element) { found.append(attributes) }
    }
}

final class SharedStringsParser: NSObject, XMLParserDelegate {
    var strings: [String] = []
    private var current = ""
    private var inItem = false
    private var inText = false
    private var inPhonetic = false

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        switch name {
        case "si":
            inItem = true
            current = ""
        case "t": inText = true
        case "rPh": inPhonetic = true
        default: break
        }
    }
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        switch name {
        case "si":
            strings.append(current)
            inItem = false
        case "t": inText = false
        case "rPh": inPhonetic = false
        default: break
        }
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inItem, inText, !inPhonetic { current += string }
    }
}

final class SheetParser: NSObject, XMLParserDelegate {
    let shared: [String]
    var rows: [[String]] = []
    var tooMany = false
    private var row: [String] = []
    private var col = 0
    private var type = ""
    private var value = ""
    private var inValue = false

    init(shared: [String]) { self.shared = shared }

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        switch name {
        case "row":
            row = []
            if let r = attributes["r"], let n = Int(r) {
                while rows.count < n - 1 { rows.append([]) }
            }
        case "c":
            col = attributes["r"].map(XLSXReader.columnIndex) ?? row.count
            type = attributes["t"] ?? ""
            value = ""
        case "v", "t": inValue = true
        default: break
        }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        switch name {
        case "v", "t": inValue = false
        case "c":
            var text = value
            if type == "s", let i = Int(value), i >= 0, i < shared.count { text = shared[i] }
            if type == "b" { text = value == "1" ? "TRUE" : "FALSE" }
            if type.isEmpty || type == "n", let d = Double(value), d == d.rounded(), abs(d) < 1e15 { text = String(Int(d)) }
            if col < 16384 {
                while row.count < col { row.append("") }
                if row.count == col { row.append(text) } else { row[col] = text }
            }
        case "row":
            rows.append(row)
            if rows.count > XLSXReader.maxRows {
                tooMany = true
                parser.abortParsing()
            }
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inValue { value += string }
    }
}
