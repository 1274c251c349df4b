import Foundation
import SQLKit
import Spreadsheet

/// Excel export and import of dictionaries. References travel as the referred row's code, so a sheet
/// exported from one installation imports into another.
public struct DictionaryTransfer: Sendable {
    let database: Database
    let service: DictionaryService

    public init(database: Database) {
        self.database = database
        self.service = DictionaryService(database: database)
    }

    static func header(_ f: DictionaryField, english: Bool) -> String {
        if f.type == .ref { return english ? "\(f.en) code" : "\(f.zh)编码" }
        if f.type == .bool { return english ? "Active" : "启用" }
        return english ? f.en : f.zh
    }

    public func export(_ kind: String, english: Bool) async throws -> Data {
        let k = try DictionaryService.kind(kind)
        let records = try await service.all(kind)
        let rows: [[SheetCell]] = records.map { r in
            k.fields.map { f in
                let value = r[f.name] ?? .null
                switch f.type {
                case .ref:
                    let base = f.name.hasSuffix("Id") ? String(f.name.dropLast(2)) : f.name
                    return (r[base + "Code"]?.stringValue).map(SheetCell.text) ?? .empty
                case .bool:
                    if case .bool(let b) = value { return .text(b ? (english ? "yes" : "是") : (english ? "no" : "否")) }
                    return .empty
                case .money:
                    if case .int(let fen) = value { return .number(Double(fen) / 100) }
                    return .empty
                case .int:
                    if case .int(let i) = value { return .number(Double(i)) }
                    return .empty
                case .decimal:
                    if case .double(let d) = value { return .number(d) }
                    return .empty
                case .choice:
                    let s = value.stringValue ?? ""
                    return f.options.first { $0.value == s }.map { .text(english ? $0.en : $0.zh) } ?? (s.isEmpty ? .empty : .text(s))
                case .text, .textarea:
                    return value.stringValue.map(SheetCell.text) ?? .empty
                }
            }
        }
        let header = k.fields.map { Self.header($0, english: english) }
        return try XLSXWriter.data([Sheet(name: english ? k.en : k.zh, header: header, rows: rows)])
    }

    public struct ImportResult: Sendable, Codable, Equatable {
        public var created: Int
        public var updated: Int
        public init(created: Int, updated: Int) {
            self.created = created
            self.updated = updated
        }
    }

    /// Imports rows in the export's layout: a row whose code exists updates it, others are created.
    /// All or nothing: any invalid row rejects the whole file and lists every row's problems.
    public func importSheet(_ kind: String, data: Data, scope: Scope) async throws -> ImportResult {
        let k = try DictionaryService.kind(kind)
        let rows: [[String]]
        do {
            rows = try XLSXReader.rows(data)
        } catch {
            throw DomainError.badRequest("无法读取该文件，请上传由本系统导出格式的 .xlsx 文件", "Cannot read the file; upload an .xlsx in the exported layout")
        }
        guard let head = rows.first else {
            throw DomainError.badRequest("文件为空", "The file is empty")
        }
        var columnOf: [String: Int] = [:]
        for (i, title) in head.enumerated() {
            let t = title.trimmingCharacters(in: .whitespaces)
            if let f = k.fields.first(where: {
                Self.header($0, english: false) == t || Self.header($0, english: true).lowercased() == t.lowercased() || $0.name == t
            }) {
                columnOf[f.name] = i
            }
        }
        let key = k.keyField
        guard columnOf[key.name] != nil else {
            throw DomainError.badRequest("表头缺少“\(key.zh)”列，请使用导出的模板", "The header lacks the \(key.en) column; use an exported sheet")
        }
        // Resolve reference codes up front.
        var codes: [String: [String: Int]] = [:]
        for f in k.fields where f.type == .ref && columnOf[f.name] != nil {
            let target = DictionaryCatalog.kind(f.ref!)!
            codes[f.name] = try await database.read { sql in
                var map: [String: Int] = [:]
                for r in try await sql.raw(rawSQL("SELECT id, code FROM \(target.table)")).all() {
                    map[try r.string("code").lowercased()] = try r.int("id")
                }
                return map
            }
        }
        let dataRows = rows.dropFirst().enumerated().filter { !$0.element.allSatisfy { $0.trimmingCharacters(in: .whitespaces).isEmpty } }
        guard dataRows.count <= 10_000 else {
            throw DomainError.badRequest("一次最多导入 10000 行", "At most 10,000 rows per import")
        }
        var problems: [FieldError] = []
        var inputs: [(label: (zh: String, en: String), input: [String: JSONValue])] = []
        for (offset, cells) in dataRows {
            let line = offset + 2
            var input: [String: JSONValue] = [:]
            for f in k.fields {
                guard let c = columnOf[f.name] else { continue }
                let text = (c < cells.count ? cells[c] : "").trimmingCharacters(in: .whitespaces)
                if text.isEmpty {
                    input[f.name] = f.type == .bool ? nil : .null
                    continue
                }
                switch f.type {
                case .ref:
                    if let id = codes[f.name]?[text.lowercased()] {
                        input[f.name] = .int(id)
                    } else {
                        problems.append(
                            FieldError(
                                field: f.name, code: "not_found", zh: "第 \(line) 行：\(f.zh)编码“\(text)”不存在",
                                en: "Row \(line): \(f.en) code \(text) not found"))
                    }
                case .bool:
                    input[f.name] = .bool(!["否", "停用", "no", "false", "0", "n"].contains(text.lowercased()))
                case .money:
                    if let yuan = Double(text) { input[f.name] = .int(Int((yuan * 100).rounded())) } else { input[f.name] = .string(text) }
                case .choice:
                    input[f.name] = .string(f.options.first { $0.zh == text || $0.en.lowercased() == text.lowercased() }?.value ?? text)
                case .int, .decimal, .text, .textarea:
                    input[f.name] = .string(text)
                }
            }
            inputs.append(((zh: "第 \(line) 行", en: "Row \(line)"), input))
        }
        if !problems.isEmpty { throw DomainError.validation(problems) }
        // Validation failures throw DomainError before any statement of that row runs, so one transaction
        // with every row's problems collected, then thrown (rolling back), gives all-or-nothing.
        let rowsToImport = inputs
        return try await database.write { sql in
            var result = ImportResult(created: 0, updated: 0)
            var rowProblems: [FieldError] = []
            for item in rowsToImport {
                do {
                    let code = item.input[key.name]?.stringValue ?? ""
                    var q = rawSQL("SELECT id FROM \(k.table) WHERE LOWER(code) = LOWER(") + "\(bind: code))"
                    if let w = key.uniqueWithin, let wf = k.field(w), case .int(let wv) = item.input[w] ?? .null {
                        q += rawSQL(" AND \(wf.column) = ") + "\(bind: wv)"
                    }
                    if let existing = try await sql.raw(q).first()?.int("id") {
                        var merged = try await DictionaryService.fetch(k, id: existing, sql: sql).values
                        for (name, value) in item.input { merged[name] = value }
                        try await DictionaryService.update(k, id: existing, merged, scope: scope, sql: sql, rowLabel: item.label)
                        result.updated += 1
                    } else {
                        _ = try await DictionaryService.insert(k, item.input, scope: scope, sql: sql, rowLabel: item.label)
                        result.created += 1
                    }
                } catch let error as DomainError where error.status == 422 || error.status == 409 {
                    rowProblems.append(contentsOf: error.fields)
                }
            }
            if !rowProblems.isEmpty { throw DomainError.validation(rowProblems) }
            return result
        }
    }
}
