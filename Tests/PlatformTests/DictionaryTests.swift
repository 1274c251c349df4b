import Foundation
import Platform
import Spreadsheet
import TestSupport
import Testing

@Suite("Dictionaries")
struct DictionaryTests {
    func id(_ r: JSONRecord) -> Int {
        if case .int(let i) = r["id"] ?? .null { return i }
        return -1
    }

    @Test("validation reports every problem with a Chinese message", arguments: TestEngine.available)
    func validation(engine: TestEngine) async throws {
        try await withDatabase(engine) { db in
            let dict = DictionaryService(database: db)
            let error = await #expect(throws: DomainError.self) {
                _ = try await dict.create(
                    "exam-items",
                    [
                        "code": .string("CT 01"), "durationMinutes": .int(0), "priceFen": .string("abc"),
                        "categoryId": .int(999),
                    ], scope: .everything)
            }
            let fields = Dictionary(uniqueKeysWithValues: (error?.fields ?? []).map { ($0.field, $0) })
            #expect(error?.status == 422 && error?.code == "validation_failed")
            #expect(fields["code"]?.code == "invalid")
            #expect(fields["name"]?.code == "required" && fields["name"]?.zh == "请填写项目名称")
            #expect(fields["durationMinutes"]?.code == "out_of_range")
            #expect(fields["priceFen"]?.code == "invalid")
            #expect(fields["categoryId"]?.code == "not_found")
        }
    }

    @Test("duplicate codes are refused (409), per institution for departments", arguments: TestEngine.available)
    func duplicates(engine: TestEngine) async throws {
        try await withDatabase(engine) { db in
            let dict = DictionaryService(database: db)
            let a = try await dict.create(
                "institutions", ["code": .string("A"), "name": .string("甲医院"), "level": .string("central")], scope: .everything)
            let b = try await dict.create(
                "institutions", ["code": .string("B"), "name": .string("乙医院"), "level": .string("subordinate")], scope: .everything)
            let dup = await #expect(throws: DomainError.self) {
                _ = try await dict.create(
                    "institutions", ["code": .string("a"), "name": .string("重复"), "level": .string("central")], scope: .everything)
            }
            #expect(dup?.status == 409 && dup?.code == "duplicate" && dup?.zh.contains("已存在") == true)
            _ = try await dict.create(
                "departments", ["institutionId": .int(id(a)), "code": .string("RAD"), "name": .string("放射科"), "kind": .string("medtech")],
                scope: .everything)
            _ = try await dict.create(
                "departments", ["institutionId": .int(id(b)), "code": .string("RAD"), "name": .string("影像科"), "kind": .string("medtech")],
                scope: .everything)
            await #expect(throws: DomainError.self) {
                _ = try await dict.create(
                    "departments",
                    ["institutionId": .int(id(a)), "code": .string("RAD"), "name": .string("又一个"), "kind": .string("medtech")],
                    scope: .everything)
            }
        }
    }

    @Test("an exam item's group must belong to its category; referenced rows cannot be deleted", arguments: TestEngine.available)
    func references(engine: TestEngine) async throws {
        try await withDatabase(engine) { db in
            let dict = DictionaryService(database: db)
            let ct = try await dict.create(
                "exam-categories", ["code": .string("CT"), "name": .string("CT"), "modality": .string("CT")], scope: .everything)
            let mr = try await dict.create(
                "exam-categories", ["code": .string("MR"), "name": .string("磁共振"), "modality": .string("MR")], scope: .everything)
            let mrGroup = try await dict.create(
                "exam-groups", ["categoryId": .int(id(mr)), "code": .string("MR-H"), "name": .string("MR 头部")], scope: .everything)
            let mismatch = await #expect(throws: DomainError.self) {
                _ = try await dict.create(
                    "exam-items",
                    ["code": .string("CT9"), "name": .string("头颅CT"), "categoryId": .int(id(ct)), "groupId": .int(id(mrGroup))],
                    scope: .everything)
            }
            #expect(mismatch?.fields.first?.code == "mismatch")
            let item = try await dict.create(
                "exam-items",
                [
                    "code": .string("MR9"), "name": .string("头颅MR"), "categoryId": .int(id(mr)),
                    "groupId": .int(id(mrGroup)), "priceFen": .int(45000), "workPoints": .double(1.5),
                ], scope: .everything)
            #expect(item["groupName"] == .string("MR 头部"))
            let inUse = await #expect(throws: DomainError.self) { try await dict.delete("exam-categories", id: id(mr), scope: .everything) }
            #expect(inUse?.code == "in_use")
            try await dict.delete("exam-items", id: id(item), scope: .everything)
            try await dict.delete("exam-groups", id: id(mrGroup), scope: .everything)
            try await dict.delete("exam-categories", id: id(mr), scope: .everything)
            let gone = await #expect(throws: DomainError.self) { _ = try await dict.get("exam-categories", id: id(mr)) }
            #expect(gone?.status == 404)
        }
    }

    @Test("search, active filter and paging", arguments: TestEngine.available)
    func listing(engine: TestEngine) async throws {
        try await withDatabase(engine) { db in
            let dict = DictionaryService(database: db)
            for i in 1...25 {
                _ = try await dict.create(
                    "body-parts",
                    [
                        "code": .string(String(format: "BP%02d", i)), "name": .string("部位\(i)"),
                        "active": .bool(i % 5 != 0),
                    ], scope: .everything)
            }
            let page = try await dict.list("body-parts", DictionaryQuery(), page: PageRequest(page: 3, pageSize: 10))
            #expect(page.total == 25 && page.items.count == 5)
            #expect(try await dict.list("body-parts", DictionaryQuery(active: false), page: PageRequest()).total == 5)
            #expect(try await dict.list("body-parts", DictionaryQuery(text: "部位1"), page: PageRequest()).total == 11)
            #expect(try await dict.list("body-parts", DictionaryQuery(text: "bp2"), page: PageRequest()).total == 6)
            #expect(
                try await dict.list("body-parts", DictionaryQuery(text: "%"), page: PageRequest()).total == 0, "LIKE wildcards are escaped")
        }
    }

    @Test("a scoped administrator maintains only their own institution's departments", arguments: TestEngine.available)
    func scope(engine: TestEngine) async throws {
        try await withDatabase(engine) { db in
            let dict = DictionaryService(database: db)
            let a = try await dict.create(
                "institutions", ["code": .string("A"), "name": .string("甲"), "level": .string("central")], scope: .everything)
            let b = try await dict.create(
                "institutions", ["code": .string("B"), "name": .string("乙"), "level": .string("subordinate")], scope: .everything)
            let onlyB = Scope(institutionIDs: [id(b)], allCategories: true)
            let refused = await #expect(throws: DomainError.self) {
                _ = try await dict.create(
                    "departments", ["institutionId": .int(id(a)), "code": .string("X"), "name": .string("科"), "kind": .string("ward")],
                    scope: onlyB)
            }
            #expect(refused?.status == 403)
            _ = try await dict.create(
                "departments", ["institutionId": .int(id(b)), "code": .string("X"), "name": .string("科"), "kind": .string("ward")],
                scope: onlyB)
            await #expect(throws: DomainError.self) {
                _ = try await dict.update(
                    "institutions", id: id(a), ["code": .string("A"), "name": .string("改名"), "level": .string("central")], scope: onlyB)
            }
        }
    }

    @Test("Excel export imports back; a bad row rejects the whole file", arguments: TestEngine.available)
    func excelRoundTrip(engine: TestEngine) async throws {
        try await withDatabase(engine) { db in
            _ = try await DemoData.load(database: db, password: "Demo#2026pw")
            let transfer = DictionaryTransfer(database: db)
            let dict = DictionaryService(database: db)
            let before = try await dict.all("exam-items")
            let data = try await transfer.export("exam-items", english: false)
            let rows = try XLSXReader.rows(data)
            #expect(rows.first?.first == "项目编码")
            #expect(rows.count == before.count + 1)
            #expect(rows.contains { $0.contains("头颅CT平扫") && $0.contains("CT-HEAD") && $0.contains("180") })
            let same = try await transfer.importSheet("exam-items", data: data, scope: .everything)
            #expect(same == DictionaryTransfer.ImportResult(created: 0, updated: before.count))
            #expect(try await dict.all("exam-items").map { $0["name"] } == before.map { $0["name"] })

            var edited = rows
            let nameColumn = rows[0].firstIndex(of: "项目名称")!
            edited[1][nameColumn] = "头颅CT平扫（改）"
            edited.append(edited[1].enumerated().map { $0.offset == 0 ? "NEW01" : $0.element })
            edited.append(
                edited[2].enumerated().map {
                    $0.offset == 0 ? "BAD01" : ($0.offset == rows[0].firstIndex(of: "检查类别编码")! ? "NOPE" : $0.element)
                })
            let bad = try XLSXWriter.data([
                Sheet(name: "x", header: edited[0], rows: edited.dropFirst().map { $0.map { SheetCell.text($0) } })
            ])
            let failure = await #expect(throws: DomainError.self) {
                _ = try await transfer.importSheet("exam-items", data: bad, scope: .everything)
            }
            #expect(failure?.fields.first?.zh.contains("NOPE") == true)
            #expect(try await dict.all("exam-items").count == before.count, "nothing written")
            edited.removeLast()
            let good = try XLSXWriter.data([
                Sheet(name: "x", header: edited[0], rows: edited.dropFirst().map { $0.map { SheetCell.text($0) } })
            ])
            #expect(
                try await transfer.importSheet("exam-items", data: good, scope: .everything)
                    == DictionaryTransfer.ImportResult(created: 1, updated: before.count))
            #expect(try await dict.all("exam-items").contains { $0["name"] == .string("头颅CT平扫（改）") })
            await #expect(throws: DomainError.self) {
                _ = try await transfer.importSheet("exam-items", data: Data("not a zip".utf8), scope: .everything)
            }
        }
    }
}
