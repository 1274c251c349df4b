import Foundation
import Testing

@testable import Spreadsheet

@Suite("Excel files")
struct XLSXTests {
    @Test("what libxlsxwriter writes, the reader reads back, Chinese text and numbers included")
    func roundTrip() throws {
        let sheet = Sheet(
            name: "检查项目", header: ["编码", "名称", "价格"],
            rows: [[.text("CT001"), .text("头颅CT平扫"), .number(180)], [.text("MR001"), .empty, .number(450.5)]])
        let data = try XLSXWriter.data([sheet])
        #expect(data.starts(with: [0x50, 0x4B, 0x03, 0x04]))
        let rows = try XLSXReader.rows(data)
        #expect(rows == [["编码", "名称", "价格"], ["CT001", "头颅CT平扫", "180"], ["MR001", "", "450.5"]])
    }

    @Test("garbage is an error, not a crash")
    func garbage() {
        #expect(throws: SpreadsheetError.self) { _ = try XLSXReader.rows(Data("PK\u{3}\u{4}garbage".utf8)) }
        #expect(throws: SpreadsheetError.self) { _ = try XLSXReader.rows(Data()) }
    }

    @Test("column letters map to indexes")
    func columns() {
        #expect(XLSXReader.columnIndex("A1") == 0)
        #expect(XLSXReader.columnIndex("Z9") == 25)
        #expect(XLSXReader.columnIndex("AB12") == 27)
    }
}
