import CXLSXWriter
import Foundation

/// A cell of an exported sheet.
public enum SheetCell: Sendable, Equatable {
    case text(String)
    case number(Double)
    case empty
}

/// One worksheet: a bold header row, then data rows.
public struct Sheet: Sendable {
    public var name: String
    public var header: [String]
    public var rows: [[SheetCell]]
    public var columnWidths: [Double]

    public init(name: String, header: [String], rows: [[SheetCell]], columnWidths: [Double] = []) {
        self.name = name
        self.header = header
        self.rows = rows
        self.columnWidths = columnWidths
    }
}

public enum SpreadsheetError: Error, CustomStringConvertible {
    case writeFailed(String)
    case unreadable(String)

    public var description: String {
        switch self {
        case .writeFailed(let m): "cannot write spreadsheet: \(m)"
        case .unreadable(let m): "not a readable .xlsx file: \(m)"
        }
    }
}

/// Writes .xlsx workbooks with libxlsxwriter (its file API, via a temporary file).
public enum XLSXWriter {
    public static let contentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    public static func data(_ sheets: [Sheet]) throws -> Data {
        let path = NSTemporaryDirectory() + "yunying-\(UUID().uuidString).xlsx"
        defer { try? FileManager.default.removeItem(atPath: path) }
        guard let workbook = workbook_new(path) else { throw SpreadsheetError.writeFailed("workbook_new") }
        let bold = workbook_add_format(workbook)
        format_set_bold(bold)
        format_set_bg_color(bold, 0xDDE7F5)
        for sheet in sheets {
            // Sheet names: at most 31 characters, none of []:*?/\ .
            let name = String(sheet.name.filter { !"[]:*?/\\".contains($0) }.prefix(31))
            guard let ws = workbook_add_worksheet(workbook, name.isEmpty ? nil : name) else {
                workbook_close(workbook)
                throw SpreadsheetError.writeFailed("worksheet \(name)")
            }
            for (c, title) in sheet.header.enumerated() {
                worksheet_write_string(ws, 0, lxw_col_t(c), title, bold)
                let width = c < sheet.columnWidths.count ? sheet.columnWidths[c] : max(10, Double(title.count) * 2.2)
                worksheet_set_column(ws, lxw_col_t(c), lxw_col_t(c), width, nil)
            }
            worksheet_freeze_panes(ws, 1, 0)
            for (r, row) in sheet.rows.enumerated() {
                for (c, cell) in row.enumerated() {
                    switch cell {
                    case .text(let s): worksheet_write_string(ws, lxw_row_t(r + 1), lxw_col_t(c), s, nil)
                    case .number(let n): worksheet_write_number(ws, lxw_row_t(r + 1), lxw_col_t(c), n, nil)
                    case .empty: break
                    }
                }
            }
        }
        let status = workbook_close(workbook)
        guard status == LXW_NO_ERROR else { throw SpreadsheetError.writeFailed(String(cString: lxw_strerror(status))) }
        return try Data(contentsOf: URL(fileURLWithPath: path))
    }
}
