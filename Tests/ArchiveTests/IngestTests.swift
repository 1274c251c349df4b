import DICOM
import DICOMNetwork
import Foundation
import Platform
import TestSupport
import Testing

@testable import Archive

/// Ingest and query against a real SQLite database in a temporary folder.
struct IngestTests {
    struct Fixture {
        let root: URL
        let database: Database
        let storage: LocalFileStorage
        let entities: ApplicationEntityService

        static func make(_ database: Database) async throws -> Fixture {
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("yy-archive-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            try await Migrations.run(on: database)
            let storage = LocalFileStorage(root: root.appendingPathComponent("archive"))
            return Fixture(root: root, database: database, storage: storage, entities: ApplicationEntityService(database: database, localAETitle: "YUNYING"))
        }

        func ingest(_ policy: DuplicatePolicy = .keepFirst) -> IngestService { IngestService(database: database, storage: storage, duplicates: policy) }
        var query: ArchiveQueryService { ArchiveQueryService(database: database, storage: storage, aeTitle: "YUNYING", applicationEntities: entities) }

        /// Writes an object into the incoming area, as the network layer would.
        func incoming(sop: String, study: String = "1.2.826.1.1", series: String = "1.2.826.1.1.1", name: String = "Zhang^San=张^三",
                      date: String = "20261129", modality: String = "CT", description: String = "胸部CT平扫", comment: String = "平扫") throws -> URL {
            var ds = DataSet()
            ds.characterSet = .utf8
            ds.set(.specificCharacterSet, .CS, string: "ISO_IR 192")
            ds.set(.sopClassUID, .UI, string: "1.2.840.10008.5.1.4.1.1.2")
            ds.set(.sopInstanceUID, .UI, string: sop)
            ds.set(.studyDate, .DA, string: date)
            ds.set(.accessionNumber, .SH, string: "A\(study.suffix(3))")
            ds.set(.modality, .CS, string: modality)
            ds.set(Tag(0x0008, 0x1030), .LO, string: description)
            ds.set(.patientName, .PN, string: name)
            ds.set(.patientID, .LO, string: "P-\(name.prefix(3))")
            ds.set(.studyInstanceUID, .UI, string: study)
            ds.set(.seriesInstanceUID, .UI, string: series)
            ds.set(Tag(0x0020, 0x0013), .IS, string: "1")
            ds.set(Tag(0x0020, 0x4000), .LT, string: comment)
            let url = try storage.incomingFile()
            try DICOMWriter.write(DICOMFile(dataset: ds, transferSyntax: .explicitVRLittleEndian), to: url)
            return url
        }
    }

    let info = AssociationInfo(callingAETitle: "CT01", calledAETitle: "YUNYING", peerHost: "127.0.0.1")

    @Test("stored objects are indexed and found by Chinese name, date range and level; duplicates follow the policy",
          arguments: TestEngine.available)
    func ingestAndQuery(engine: TestEngine) async throws {
        try await withDatabase(engine, seed: false) { try await ingestAndQuery(try await Fixture.make($0)) }
    }

    func ingestAndQuery(_ f: Fixture) async throws {
        let ingest = f.ingest()
        let first = try await ingest.ingest(try f.incoming(sop: "1.2.826.1.1.1.1"), source: IngestSource(route: "dicom", aeTitle: "CT01"))
        #expect(first.outcome == .stored)
        _ = try await ingest.ingest(try f.incoming(sop: "1.2.826.1.1.1.2"), source: IngestSource(route: "dicom"))
        _ = try await ingest.ingest(
            try f.incoming(sop: "1.2.826.2.1.1.1", study: "1.2.826.2", series: "1.2.826.2.1", name: "Li^Si=李^四", date: "20250101", modality: "MR"),
            source: IngestSource(route: "dicom"))

        // keep-first: acknowledged, nothing duplicated, the incoming file is gone
        let again = try await ingest.ingest(try f.incoming(sop: "1.2.826.1.1.1.1"), source: IngestSource(route: "dicom"))
        #expect(again.outcome == .duplicateKept)
        // reject: 0x0111
        let rejected = await #expect(throws: IngestError.self) {
            try await f.ingest(.reject).ingest(try f.incoming(sop: "1.2.826.1.1.1.1"), source: IngestSource(route: "dicom"))
        }
        #expect(rejected?.status == 0x0111 && rejected?.sopInstanceUID == "1.2.826.1.1.1.1", "the refusal names the object (STOW-RS lists it)")
        // replace: same row, new content
        let replaced = try await f.ingest(.replace).ingest(try f.incoming(sop: "1.2.826.1.1.1.1", comment: "增强后重建"),
                                                           source: IngestSource(route: "dicom"))
        #expect(replaced.outcome == .replaced)
        let counts = try await f.database.read { sql in
            (try await sql.count("SELECT COUNT(*) AS n FROM instances"), try await sql.count("SELECT num_instances AS n FROM studies WHERE study_uid = '1.2.826.1.1'"))
        }
        #expect(counts.0 == 3 && counts.1 == 2)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: f.root.appendingPathComponent("archive/incoming").path)
        #expect(leftovers.isEmpty, "no incoming file survives ingest")

        var q = DataSet()
        q.characterSet = .utf8
        q.set(QueryMatcher.queryRetrieveLevel, .CS, string: "STUDY")
        q.set(.patientName, .PN, string: "张*")
        q.set(.studyInstanceUID, .UI, string: "")
        q.set(Tag(0x0020, 0x1208), .IS, string: "")
        q.set(Tag(0x0008, 0x1030), .LO, string: "")
        let studies = try await f.query.find(model: .studyRoot, identifier: q, association: info)
        #expect(studies.count == 1)
        #expect(studies.first?.string(.studyInstanceUID) == "1.2.826.1.1" && studies.first?.string(Tag(0x0020, 0x1208)) == "2")
        #expect(studies.first?.string(.patientName) == "Zhang^San=张^三")
        #expect(studies.first?.strings(.specificCharacterSet) == ["ISO_IR 192"])

        var range = DataSet()
        range.characterSet = .utf8
        range.set(QueryMatcher.queryRetrieveLevel, .CS, string: "STUDY")
        range.set(.studyDate, .DA, string: "20250101-20251231")
        range.set(.patientName, .PN, string: "")
        let recent = try await f.query.find(model: .studyRoot, identifier: range, association: info)
        #expect(recent.map { $0.string(.patientName) } == ["Li^Si=李^四"])

        var images = DataSet()
        images.characterSet = .utf8
        images.set(QueryMatcher.queryRetrieveLevel, .CS, string: "IMAGE")
        images.set(.studyInstanceUID, .UI, string: "1.2.826.1.1")
        images.set(.seriesInstanceUID, .UI, string: "1.2.826.1.1.1")
        images.set(.sopInstanceUID, .UI, string: "")
        images.set(Tag(0x0020, 0x4000), .LT, string: "增强*")  // not indexed: read from the stored object
        let found = try await f.query.find(model: .studyRoot, identifier: images, association: info)
        #expect(found.map { $0.string(.sopInstanceUID) } == ["1.2.826.1.1.1.1"])

        var patients = DataSet()
        patients.characterSet = .utf8
        patients.set(QueryMatcher.queryRetrieveLevel, .CS, string: "PATIENT")
        patients.set(.patientName, .PN, string: "")
        #expect(try await f.query.find(model: .patientRoot, identifier: patients, association: info).count == 2)
        await #expect(throws: DIMSEError.self) { try await f.query.find(model: .studyRoot, identifier: patients, association: info) }

        var move = DataSet()
        move.characterSet = .utf8
        move.set(QueryMatcher.queryRetrieveLevel, .CS, string: "SERIES")
        move.set(.studyInstanceUID, .UI, string: "1.2.826.1.1")
        move.set(.seriesInstanceUID, .UI, string: "1.2.826.1.1.1")
        let items = try await f.query.instances(model: .studyRoot, identifier: move, association: info)
        #expect(items.count == 2 && items.allSatisfy { FileManager.default.fileExists(atPath: $0.file.path) })
    }

    @Test("the same patient ID from a subordinate hospital is another patient: the sending institution is its issuer")
    func issuerPerInstitution() async throws {
        let database = try await Database.openSQLite(path: nil)
        let f = try await Fixture.make(database)
        let (home, county) = try await database.write { sql in
            let home = try await sql.raw("INSERT INTO institutions (code, name, level, active, sort_order, created_at, updated_at) VALUES ('CH-MAIN', '市医院', 'hospital', \(bind: true), 0, 'x', 'x') RETURNING id").first()!.int("id")
            let county = try await sql.raw("INSERT INTO institutions (code, name, level, active, sort_order, created_at, updated_at) VALUES ('CH-XC', '县医院', 'hospital', \(bind: true), 1, 'x', 'x') RETURNING id").first()!.int("id")
            return (home, county)
        }
        let ingest = f.ingest()
        _ = try await ingest.ingest(try f.incoming(sop: "1.2.826.9.71", study: "1.2.826.71", series: "1.2.826.71.1"), source: IngestSource(route: "dicom"))
        _ = try await ingest.ingest(try f.incoming(sop: "1.2.826.9.72", study: "1.2.826.72", series: "1.2.826.72.1", name: "Zhang^Wu=张^五"),
                                    source: IngestSource(route: "dicom", institutionID: county))
        _ = try await ingest.ingest(try f.incoming(sop: "1.2.826.9.73", study: "1.2.826.73", series: "1.2.826.73.1", name: "Zhang^San=张^三"),
                                    source: IngestSource(route: "dicom", institutionID: home))
        let rows = try await database.read { sql in
            try await sql.raw("SELECT p.patient_id, p.issuer, p.name, COUNT(s.id) AS n FROM patients p JOIN studies s ON s.patient_pk = p.id GROUP BY p.id, p.patient_id, p.issuer, p.name ORDER BY p.issuer").all()
                .map { "\(try $0.string("patient_id"))|\(try $0.string("issuer"))|\(try $0.string("name"))|\(try $0.int("n"))" }
        }
        #expect(rows == ["P-Zha||Zhang^San=张^三|2", "P-Zha|CH-XC|Zhang^Wu=张^五|1"])
        await database.close()
    }

    @Test("objects without their place in the hierarchy, or not matching the C-STORE command, are refused with the DICOM status")
    func refusals() async throws {
        try await withDatabase(.sqlite, seed: false) { try await refusals(try await Fixture.make($0)) }
    }

    func refusals(_ f: Fixture) async throws {
        let url = try f.storage.incomingFile()
        try Data("not dicom at all, just text".utf8).write(to: url)
        await #expect(throws: IngestError.self) { try await f.ingest().ingest(url, source: IngestSource(route: "dicom")) }
        #expect(!FileManager.default.fileExists(atPath: url.path), "a refused object leaves nothing behind")
        do {
            _ = try await f.ingest().ingest(try f.incoming(sop: "1.2.3"), expectedSOPInstanceUID: "1.2.4", source: IngestSource(route: "dicom"))
            Issue.record("mismatch accepted")
        } catch let error as IngestError {
            #expect(error.status == 0xA900)
        }
    }
}
