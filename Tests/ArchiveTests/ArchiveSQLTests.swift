import DICOM
import DICOMNetwork
import Foundation
import Platform
import TestSupport
import Testing

@testable import Archive

/// Every archive query that builds SQL by hand, run on both engines and with both kinds of scope: SQLite forgives
/// things PostgreSQL refuses (casts of empty strings, missing spaces before a clause), and an unscoped user takes a
/// different path through the filters than a user limited to institutions.
struct ArchiveSQLTests {
    @Test("DICOMweb, data management, matching and patient queries answer on SQLite and PostgreSQL, scoped and unscoped",
          arguments: TestEngine.available)
    func queries(engine: TestEngine) async throws {
        try await withDatabase(engine, seed: false) { database in
            let f = try await IngestTests.Fixture.make(database)
            let ingest = f.ingest()
            _ = try await ingest.ingest(try f.incoming(sop: "1.2.826.9.1"), source: IngestSource(route: "dicom"))
            _ = try await ingest.ingest(try f.incoming(sop: "1.2.826.9.2", series: "1.2.826.1.1.2", modality: "MR"), source: IngestSource(route: "dicom"))
            let storage = TieredStorage(local: f.storage, remote: nil)
            let wado = WADOService(database: database, storage: storage)
            let catalog = ArchiveCatalog(database: database)
            let matcher = ExamMatcher(database: database, autoRegister: [])
            let patients = PatientService(database: database, storage: storage)
            try await database.write { sql in
                try await sql.raw("INSERT INTO institutions (code, name, level, active, sort_order, created_at, updated_at) VALUES ('H1', '市医院', 'hospital', \(bind: true), 0, 'x', 'x')").run()
            }
            let home = try await database.read { sql in try await sql.raw("SELECT MIN(id) AS id FROM institutions").first()!.int("id") }
            for scope in [Scope.everything, Scope(institutionIDs: [home])] {
                let studies = try await f.query.search(try QIDOSearch(level: .study, parameters: []), scope: scope)
                #expect(studies.total == 1, "QIDO in SQL pages")
                let named = try await f.query.search(try QIDOSearch(level: .study, parameters: [("PatientName", "张*")]), scope: scope)
                #expect(named.total == 1, "QIDO with matching")
                let instances = try await f.query.search(try QIDOSearch(level: .instance, studyUID: "1.2.826.1.1", parameters: []), scope: scope)
                #expect(instances.total == 2)
                let meta = try await wado.studyMetadata(study: "1.2.826.1.1", scope: scope)
                #expect(meta.json.count > 100)
                let again = try await wado.seriesMetadata(study: "1.2.826.1.1", series: "1.2.826.1.1.1", scope: scope)
                #expect(again.json.first == UInt8(ascii: "["))
                let page = try await catalog.studies(ArchiveCatalog.StudyQuery(), scope: scope, page: PageRequest())
                #expect(page.total == 1 && page.items[0].cloud.state == "pending")
                var filtered = ArchiveCatalog.StudyQuery()
                filtered.patientName = "张"
                filtered.modality = "MR"
                filtered.cloud = "pending"
                filtered.studyFrom = "2026-11-01"
                filtered.receivedTo = "2099-12-31"
                filtered.institutionId = home
                #expect(try await catalog.studies(filtered, scope: scope, page: PageRequest()).total == 1)
                #expect(try await catalog.completeness(studyUID: "1.2.826.1.1", scope: scope).series.count == 2)
                for by in ["modality", "studyMonth", "studyDay", "archiveMonth", "archiveDay", "institution"] {
                    #expect(try await catalog.statistics(by: by, from: nil, to: nil, scope: scope).count >= 1, "statistics by \(by)")
                }
                for by in ["modality", "institution", "archiveDay"] {
                    #expect(try await catalog.uploadStatus(by: by, scope: scope).count >= 1)
                }
                #expect(try await catalog.accessLog(studyUID: "1.2.826.1.1", scope: scope, page: PageRequest()).total == 0)
                #expect(try await patients.search("张", scope: scope, page: PageRequest()).total == 1)
            }
            let integrity = IntegrityScrubber(database: database, storage: storage)
            let checked = try await integrity.verify()
            #expect(checked.checked == 2 && checked.ok == 2)
            #expect(try await integrity.verify(studyUID: "1.2.826.1.1").ok == 2)
            #expect(try await catalog.storageSummary(objectStore: false).verified == 2)
            #expect(try await matcher.sweep() == 1)
            #expect(try await matcher.reviewQueue(scope: .everything, page: PageRequest()).total == 1, "no exam and no auto-registration")
            // Automatic registration, then a manual match of another study to a registered exam.
            try await database.write { sql in try await sql.raw("UPDATE studies SET match_status = ''").run() }
            let registering = ExamMatcher(database: database, autoRegister: ["*"])
            #expect(try await registering.sweep() == 1)
            let exam = try await database.read { sql in
                try await sql.raw("SELECT id FROM worklist_items WHERE auto_registered = \(bind: true)").first()!.int("id")
            }
            try await registering.match(studyUID: "1.2.826.1.1", examID: exam, scope: .everything, by: "测试")

            // Routing: a rule, an outbox row written with the index, claimed, listed, replayed; destination health.
            _ = try await f.entities.create(ApplicationEntityInput(aeTitle: "DEST", host: "127.0.0.1", port: 1, services: ["store"], active: true))
            let rules = RoutingRules(database: database, applicationEntities: f.entities)
            _ = try await rules.create(RoutingRuleInput(name: "全部", conditions: [RoutingCondition(field: "Modality", value: "CT")], destinations: ["DEST"]))
            var routed = f.ingest()
            routed.routing = rules
            _ = try await routed.ingest(try f.incoming(sop: "1.2.826.9.3"), source: IngestSource(route: "dicom"))
            let dispatcher = RoutingDispatcher(database: database, storage: storage, applicationEntities: f.entities, activity: nil,
                                               aeTitle: "YUNYING", options: DICOMClient.Options())
            let claimed = try await dispatcher.claim()
            #expect(claimed.map(\.sopInstanceUID) == ["1.2.826.9.3"])
            await dispatcher.fail(claimed, "测试失败")
            #expect(try await dispatcher.list(status: "pending", destination: "DEST", page: PageRequest()).total == 1)
            #expect(try await dispatcher.health().first?.state == "retrying")
            try await dispatcher.retry(claimed[0].id)
            #expect(try await dispatcher.retryDead(destination: nil) == 0)
            let completion = StudyCompletion(database: database, catalog: catalog, quiet: .zero)
            #expect(try await completion.sweep() == ["1.2.826.1.1"])
            // Events: written with the change, read after a cursor, consumed once per named consumer.
            let events = ArchiveEvents(database: database)
            var eventful = f.ingest()
            eventful.events = events
            _ = try await eventful.ingest(try f.incoming(sop: "1.2.826.9.4", study: "1.2.826.7.7", series: "1.2.826.7.7.1"), source: IngestSource(route: "dicom"))
            _ = try await eventful.ingest(try f.incoming(sop: "1.2.826.9.5", study: "1.2.826.7.7", series: "1.2.826.7.7.1"), source: IngestSource(route: "dicom"))
            var completing = StudyCompletion(database: database, catalog: catalog, quiet: .zero)
            completing.events = events
            #expect(try await completing.sweep() == ["1.2.826.7.7"])
            let seen = try await events.list(after: 0)
            #expect(seen.map(\.kind) == ["study.arrived", "study.complete"], "one arrival per study, not per instance")
            #expect(seen.allSatisfy { $0.studyUID == "1.2.826.7.7" })
            #expect(try await events.list(after: 0, kinds: ["study.complete"]).count == 1)
            #expect(try await events.list(after: 0, scope: Scope(institutionIDs: [home])).count == 2)
            #expect(try await events.list(after: 0, scope: Scope(institutionIDs: [home + 100])).isEmpty)
            var handled: [Int] = []
            #expect(try await events.consume("test") { handled += $0.map(\.id) } == 2)
            #expect(try await events.consume("test") { handled += $0.map(\.id) } == 0, "the cursor moved past them")
            await #expect(throws: DomainError.self) {
                try await events.consume("failing") { _ in throw DomainError.badRequest("x", "x") }
            }
            #expect(try await events.cursor(of: "failing") == 0, "a failed handler sees them again")
            #expect(try await events.wait(after: seen.last!.id, timeout: .milliseconds(100)).isEmpty)
            #expect(try await events.prune(now: Date().addingTimeInterval(40 * 86_400)) == 2)

            // Export plan (series filter) and department presets.
            let export = StudyExport(wado: wado)
            let plan = try await export.plan(study: "1.2.826.1.1", series: ["1.2.826.1.1.2"], instances: [], format: .dicom, window: nil, scope: .everything)
            #expect(plan.instances.count == 1 && plan.fileName.hasSuffix("_DICOM"))
            let userID = try await database.write { sql in
                let department = try await sql.raw("""
                    INSERT INTO departments (institution_id, code, name, kind, created_at, updated_at) VALUES (\(bind: home), 'RAD', '放射科', 'clinical', 'x', 'x') RETURNING id
                    """).first()!.int("id")
                return try await sql.raw("""
                    INSERT INTO users (username, display_name, department_id, password_hash, password_changed_at, created_at, updated_at)
                    VALUES ('u1', '黄卫东', \(bind: department), 'x', 'x', 'x', 'x') RETURNING id
                    """).first()!.int("id")
            }
            let presets = ViewerPresets(database: database)
            #expect(try await presets.get(userID: userID, canEdit: true).presets == nil)
            let saved = try await presets.put(userID: userID, presets: [ViewerPresets.Preset(id: "lung", name: "肺窗", nameEn: nil, center: -700, width: 1200)])
            #expect(saved.presets?.first?.center == -700 && saved.departmentName == "放射科" && saved.updatedBy == "黄卫东")
            _ = try await presets.put(userID: userID, presets: [ViewerPresets.Preset(id: "bone", name: "骨窗", nameEn: nil, center: 400, width: 1800)])
            #expect(try await presets.get(userID: userID, canEdit: false).presets?.map(\.id) == ["bone"])
            try await presets.reset(userID: userID)
            #expect(try await presets.get(userID: userID, canEdit: false).presets == nil)

            // Nobody outside the home institution sees the study.
            let other = Scope(institutionIDs: [home + 100])
            #expect(try await f.query.search(try QIDOSearch(level: .study, parameters: []), scope: other).total == 0)
            await #expect(throws: DomainError.self) { _ = try await wado.studyMetadata(study: "1.2.826.1.1", scope: other) }
        }
    }
}
