import Crypto
import DICOM
import Foundation
import Logging
import Platform
import SQLKit
import Synchronization

/// What to do when an object arrives whose SOP Instance UID is already archived. Never a second copy.
public enum DuplicatePolicy: String, Sendable, CaseIterable {
    /// Keep what we have, acknowledge the sender (the arrival is logged).
    case keepFirst = "keep-first"
    /// The new object replaces the stored one.
    case replace
    /// Refuse the new object (C-STORE status 0x0111).
    case reject
}

/// Where an object came from.
public struct IngestSource: Sendable, Equatable {
    public var route: String  // "dicom", "stow", "upload"
    public var aeTitle: String
    /// The institution new studies are filed under (the sending node's, or the uploading user's).
    public var institutionID: Int?
    /// For uploads by a user: objects may only join studies (and replace instances) the user may see.
    public var scope: Scope?
    public init(route: String, aeTitle: String = "", institutionID: Int? = nil, scope: Scope? = nil) {
        self.route = route
        self.aeTitle = aeTitle
        self.institutionID = institutionID
        self.scope = scope
    }
}

public struct IngestResult: Sendable, Equatable {
    public enum Outcome: String, Sendable { case stored, duplicateKept = "duplicate-kept", replaced }
    public var outcome: Outcome
    public var sopInstanceUID: String
    public var studyUID: String
    public var seriesUID: String
    public var sopClassUID = ""
}

/// Why an object was not archived, with the DIMSE status that says so to a sender.
public struct IngestError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: UInt16
    public var message: String
    /// The object's identity when it was readable (STOW-RS reports failures per instance).
    public var sopClassUID = ""
    public var sopInstanceUID = ""
    public var description: String { message }

    static func unreadable(_ why: String) -> IngestError { IngestError(status: 0xC000, message: "not a readable DICOM object: \(why)") }
    static func missing(_ keys: [String]) -> IngestError { IngestError(status: 0xC000, message: "missing \(keys.joined(separator: ", "))") }
    static func mismatch(_ what: String) -> IngestError { IngestError(status: 0xA900, message: what) }
    static let duplicate = IngestError(status: 0x0111, message: "duplicate SOP Instance UID (policy: reject)")
    static func storage(_ why: String) -> IngestError { IngestError(status: 0xA700, message: "storage failed: \(why)") }
}

/// The one way into the archive: validate → store durably → index, for every entry route (C-STORE, STOW-RS,
/// uploads). Success is returned only after the file is fsynced, renamed into place (directory fsynced) and the
/// index transaction has committed.
public struct IngestService: Sendable {
    public let database: Database
    public let storage: any StorageBackend
    public let duplicates: DuplicatePolicy
    let logger: Logger
    let commits: GroupCommit
    let seriesCache = SeriesCache()
    let issuers = InstitutionIssuers()
    let uidLocks = KeyedLocks()

    /// Routing rules whose sends are queued in the index transaction, and who to tell that something was queued.
    public var routing: RoutingRules?
    public var onQueued: (@Sendable () -> Void)?
    /// Lossless compression of uncompressed arrivals, per modality.
    public var compression = CompressionPolicy()
    /// Where "study arrived" is reported (in the index transaction).
    public var events: ArchiveEvents?

    public init(database: Database, storage: any StorageBackend, duplicates: DuplicatePolicy = .keepFirst,
                logger: Logger = Logger(label: "yunying.ingest")) {
        self.database = database
        self.storage = storage
        self.duplicates = duplicates
        self.logger = logger
        commits = GroupCommit(database: database)
    }

    /// Archives a complete Part 10 file from the storage's incoming area (it is moved, or removed on failure).
    public func ingest(_ file: URL, expectedSOPClassUID: String? = nil, expectedSOPInstanceUID: String? = nil,
                       expectedStudyInstanceUID: String? = nil, source: IngestSource) async throws -> IngestResult
    {
        var committed = false
        var working = file  // the received file, or its compressed copy
        defer { if !committed { try? FileManager.default.removeItem(at: working) } }
        let parsed: DICOMFile
        let mapped: Data
        do {
            mapped = try Data(contentsOf: file, options: .alwaysMapped)  // one mapping for parsing and the checksum
            parsed = try DICOMReader.read(mapped)
        } catch {
            throw IngestError.unreadable("\(error)")
        }
        let record = IndexRecord(parsed.dataset)
        let missing = record.missingKeys()
        if !missing.isEmpty { throw IngestError.missing(missing) }
        if let expected = expectedSOPInstanceUID, expected != record.sopInstanceUID {
            throw IngestError.mismatch("SOP Instance UID \(record.sopInstanceUID) differs from the command's \(expected)")
        }
        if let expected = expectedSOPClassUID, expected != record.sopClassUID {
            throw IngestError.mismatch("SOP Class UID \(record.sopClassUID) differs from the command's \(expected)")
        }
        if let expected = expectedStudyInstanceUID, expected != record.studyUID {
            var error = IngestError.mismatch("Study Instance UID \(record.studyUID) differs from the study in the URL \(expected)")
            (error.sopClassUID, error.sopInstanceUID) = (record.sopClassUID, record.sopInstanceUID)
            throw error
        }
        if let scope = source.scope, !scope.allInstitutions {
            try await checkScope(record, scope)
        }
        // Two copies of one object arriving at once (a modality and a router) are filed one after the other.
        await uidLocks.lock(record.sopInstanceUID)
        defer { uidLocks.unlock(record.sopInstanceUID) }
        let existing = try await database.read { sql in
            try await sql.raw("SELECT storage_path FROM instances WHERE sop_uid = \(bind: record.sopInstanceUID)").first()?.string("storage_path")
        }
        let routes = routing?.destinations(for: parsed.dataset, callingAE: source.aeTitle) ?? []
        if existing != nil {
            switch duplicates {
            case .keepFirst:
                logger.info("duplicate \(record.sopInstanceUID) from \(source.aeTitle) ignored (keep-first)")
                // A sender retrying after a crash between our commit and its acknowledgement: routing is already
                // queued (same transaction as the index), so this only fills a gap and never resends.
                if !routes.isEmpty {
                    try await database.write { sql in try await Outbox.enqueue(routes, record, resend: false, sql: sql) }
                    onQueued?()
                }
                return IngestResult(outcome: .duplicateKept, sopInstanceUID: record.sopInstanceUID, studyUID: record.studyUID, seriesUID: record.seriesUID,
                                    sopClassUID: record.sopClassUID)
            case .reject:
                var error = IngestError.duplicate
                (error.sopClassUID, error.sopInstanceUID) = (record.sopClassUID, record.sopInstanceUID)
                throw error
            case .replace:
                break
            }
        }
        // Compression by policy: the compressed copy replaces the received file before anything is stored.
        var stored = (bytes: mapped, syntax: parsed.transferSyntax.uid)
        if let compressed = compression.compress(parsed, incoming: working), let bytes = try? Data(contentsOf: compressed.url, options: .alwaysMapped) {
            try? FileManager.default.removeItem(at: working)
            working = compressed.url
            stored = (bytes, compressed.syntax.uid)
        }
        let checksum = Checksum.sha256(stored.bytes)
        let size = stored.bytes.count
        // A replacement goes to a key of its own: the acknowledged copy stays until the index points at the new one.
        let key =
            existing == nil
            ? LocalFileStorage.key(forSOPInstanceUID: record.sopInstanceUID)
            : LocalFileStorage.key(forSOPInstanceUID: record.sopInstanceUID, variant: UUID().uuidString.prefix(8).lowercased())
        do {
            try await storage.commit(working, key: key)
        } catch {
            throw IngestError.storage("\(error)")
        }
        committed = true
        var indexed = record
        if indexed.issuer.isEmpty {
            // Patient IDs are unique only within the hospital that issued them: a subordinate hospital's patient
            // "0001" is not the city hospital's "0001". Without an Issuer of Patient ID in the object, the sending
            // institution is the issuer (the home institution's own stay unqualified).
            indexed.issuer = try await issuers.issuer(for: source.institutionID, database: database)
        }
        do {
            try await index(indexed, key: key, size: size, checksum: checksum, syntax: stored.syntax, source: source,
                            replace: existing != nil, routes: routes)
        } catch {
            if existing != nil { try? storage.remove(key) }
            throw error
        }
        if let old = existing, old != key { try? storage.remove(old) }
        if !routes.isEmpty { onQueued?() }
        return IngestResult(outcome: existing == nil ? .stored : .replaced, sopInstanceUID: record.sopInstanceUID, studyUID: record.studyUID,
                            seriesUID: record.seriesUID, sopClassUID: record.sopClassUID)
    }

    /// A user limited to some institutions cannot add to, or replace objects in, another institution's study.
    func checkScope(_ r: IndexRecord, _ scope: Scope) async throws {
        let outside: SQLQueryString = " AND NOT" + ArchiveQueryService.scopeFilter(scope)
        let foreign = try await database.read { sql in
            let study = try await sql.raw("SELECT s.id FROM studies s WHERE s.study_uid = \(bind: r.studyUID)" + outside).first()
            let instance = try await sql.raw("""
                SELECT i.id FROM instances i JOIN series se ON se.id = i.series_pk JOIN studies s ON s.id = se.study_pk
                WHERE i.sop_uid = \(bind: r.sopInstanceUID)
                """ + outside).first()
            return study != nil || instance != nil
        }
        if foreign {
            var error = IngestError.mismatch("the study or instance belongs to another institution")
            (error.sopClassUID, error.sopInstanceUID) = (r.sopClassUID, r.sopInstanceUID)
            throw error
        }
    }

    /// Files the record. An instance of a series the index already holds (the common case: slice 2…n of a series)
    /// takes the short path: insert the instance and bump the counters, three statements. The first instance of a
    /// series, a new SOP class in the study, or a replacement takes the full path: patient, study, series, instance,
    /// counters recomputed. The series cache only learns from committed transactions.
    func index(_ r: IndexRecord, key: String, size: Int, checksum: String, syntax: String, source: IngestSource, replace: Bool,
               routes: [(destination: String, ruleID: Int)] = []) async throws {
        let now = Timestamp.string()
        /// Files the instance row; false when the SOP Instance UID is already there.
        @Sendable func insertInstance(seriesPK: Int, _ sql: any SQLDatabase) async throws -> Bool {
            try await sql.raw("""
                INSERT INTO instances (series_pk, sop_uid, sop_class_uid, instance_number, transfer_syntax, storage_path, size_bytes,
                  sha256, source_ae, pixel_rows, pixel_columns, bits_allocated, frames, received_at, created_at, updated_at)
                VALUES (\(bind: seriesPK), \(bind: r.sopInstanceUID), \(bind: r.sopClassUID), \(bind: r.instanceNumber), \(bind: syntax),
                        \(bind: key), \(bind: size), \(bind: checksum), \(bind: source.aeTitle), \(bind: r.rows), \(bind: r.columns),
                        \(bind: r.bitsAllocated), \(bind: r.frames), \(bind: now), \(bind: now), \(bind: now))
                ON CONFLICT (sop_uid) DO NOTHING RETURNING id
                """).first() != nil
        }
        if !replace, let known = seriesCache.lookup(r.seriesUID), known.sopClasses.contains(r.sopClassUID) {
            try await commits.run { sql in
                guard try await insertInstance(seriesPK: known.seriesPK, sql) else { return }  // already filed: nothing to count
                try await Outbox.enqueue(routes, r, resend: true, sql: sql)
                try await sql.raw("""
                    UPDATE series SET num_instances = num_instances + 1, updated_at = \(bind: now) WHERE id = \(bind: known.seriesPK)
                    """).run()
                try await sql.raw("""
                    UPDATE studies SET num_instances = num_instances + 1, size_bytes = size_bytes + \(bind: size),
                      last_received_at = \(bind: now), completed_at = NULL, completion = '', updated_at = \(bind: now)
                    WHERE id = \(bind: known.studyPK)
                    """).run()
            }
            return
        }
        let learned = try await commits.run { sql -> SeriesCache.Entry in
            try await sql.raw("""
                INSERT INTO patients (patient_id, issuer, name, name_search, birth_date, sex, created_at, updated_at)
                VALUES (\(bind: r.patientID), \(bind: r.issuer), \(bind: r.patientName), \(bind: QueryMatcher.nameSearchKey(r.patientName)),
                        \(bind: r.birthDate), \(bind: r.sex), \(bind: now), \(bind: now))
                ON CONFLICT (patient_id, issuer) DO NOTHING
                """).run()
            let patientPK = try await sql.raw(
                "SELECT id FROM patients WHERE patient_id = \(bind: r.patientID) AND issuer = \(bind: r.issuer)").first()!.int("id")
            let newStudy = try await sql.raw("""
                INSERT INTO studies (patient_pk, study_uid, study_date, study_time, accession_number, study_id, description,
                  referring_physician, institution, institution_id, last_received_at, created_at, updated_at)
                VALUES (\(bind: patientPK), \(bind: r.studyUID), \(bind: r.studyDate), \(bind: r.studyTime), \(bind: r.accessionNumber),
                        \(bind: r.studyID), \(bind: r.studyDescription), \(bind: r.referringPhysician), \(bind: r.institution),
                        \(bind: source.institutionID), \(bind: now), \(bind: now), \(bind: now))
                ON CONFLICT (study_uid) DO NOTHING RETURNING id
                """).first() != nil
            if newStudy, events != nil {
                try await ArchiveEvents.record(.studyArrived, studyUID: r.studyUID, patientID: r.patientID,
                                               detail: [r.modality, r.studyDescription, source.aeTitle].filter { !$0.isEmpty }.joined(separator: " "), sql: sql)
            }
            let studyPK = try await sql.raw("SELECT id FROM studies WHERE study_uid = \(bind: r.studyUID)").first()!.int("id")
            try await sql.raw("""
                INSERT INTO series (study_pk, series_uid, modality, series_number, description, body_part, station_name, series_date,
                  source_ae, created_at, updated_at)
                VALUES (\(bind: studyPK), \(bind: r.seriesUID), \(bind: r.modality), \(bind: r.seriesNumber), \(bind: r.seriesDescription),
                        \(bind: r.bodyPart), \(bind: r.stationName), \(bind: r.seriesDate), \(bind: source.aeTitle), \(bind: now), \(bind: now))
                ON CONFLICT (series_uid) DO NOTHING
                """).run()
            let seriesPK = try await sql.raw("SELECT id FROM series WHERE series_uid = \(bind: r.seriesUID)").first()!.int("id")
            if replace {
                try await sql.raw("""
                    UPDATE instances SET series_pk = \(bind: seriesPK), sop_class_uid = \(bind: r.sopClassUID), storage_path = \(bind: key),
                      instance_number = \(bind: r.instanceNumber), transfer_syntax = \(bind: syntax), size_bytes = \(bind: size),
                      sha256 = \(bind: checksum), source_ae = \(bind: source.aeTitle), pixel_rows = \(bind: r.rows),
                      pixel_columns = \(bind: r.columns), bits_allocated = \(bind: r.bitsAllocated), frames = \(bind: r.frames), received_at = \(bind: now), updated_at = \(bind: now),
                      tier = 'local', cloud_status = 'pending', cloud_attempts = 0, cloud_error = '', integrity = '', verified_at = NULL
                    WHERE sop_uid = \(bind: r.sopInstanceUID)
                    """).run()
            } else {
                _ = try await insertInstance(seriesPK: seriesPK, sql)
            }
            try await Outbox.enqueue(routes, r, resend: true, sql: sql)
            let classes = try await Self.refreshCounters(studyPK: studyPK, seriesPK: seriesPK, now: now, sql: sql)
            return SeriesCache.Entry(studyPK: studyPK, seriesPK: seriesPK, sopClasses: Set(classes))
        }
        seriesCache.remember(r.seriesUID, learned)
        events?.published()
    }

    /// Recomputes a series' and its study's counters, modalities and SOP classes; returns the study's SOP classes.
    @discardableResult
    static func refreshCounters(studyPK: Int, seriesPK: Int, now: String, sql: any SQLDatabase) async throws -> [String] {
        try await sql.raw("""
            UPDATE series SET num_instances = (SELECT COUNT(*) FROM instances WHERE series_pk = \(bind: seriesPK)), updated_at = \(bind: now)
            WHERE id = \(bind: seriesPK)
            """).run()
        let modalities = try await sql.raw("SELECT DISTINCT modality FROM series WHERE study_pk = \(bind: studyPK) AND modality <> '' ORDER BY modality")
            .all().map { try $0.string("modality") }
        let classes = try await sql.raw("""
            SELECT DISTINCT i.sop_class_uid FROM instances i JOIN series se ON se.id = i.series_pk WHERE se.study_pk = \(bind: studyPK)
            ORDER BY i.sop_class_uid
            """).all().map { try $0.string("sop_class_uid") }
        try await sql.raw("""
            UPDATE studies SET
              num_series = (SELECT COUNT(*) FROM series WHERE study_pk = \(bind: studyPK)),
              num_instances = (SELECT COUNT(*) FROM instances i JOIN series se ON se.id = i.series_pk WHERE se.study_pk = \(bind: studyPK)),
              size_bytes = (SELECT COALESCE(SUM(i.size_bytes), 0) FROM instances i JOIN series se ON se.id = i.series_pk WHERE se.study_pk = \(bind: studyPK)),
              modalities = \(bind: modalities.joined(separator: "\\")), sop_classes = \(bind: classes.joined(separator: "\\")),
              last_received_at = \(bind: now), completed_at = NULL, completion = '', updated_at = \(bind: now)
            WHERE id = \(bind: studyPK)
            """).run()
        return classes
    }
}

/// Series the index holds, with their study and the study's SOP classes, so further instances take the short path.
/// Bounded; cleared when full. Entries come only from committed transactions.
final class SeriesCache: Sendable {
    struct Entry: Sendable {
        let studyPK: Int
        let seriesPK: Int
        let sopClasses: Set<String>
    }

    let entries = Mutex<[String: Entry]>([:])
    let capacity = 4096

    func lookup(_ seriesUID: String) -> Entry? { entries.withLock { $0[seriesUID] } }

    func remember(_ seriesUID: String, _ entry: Entry) {
        entries.withLock {
            if $0.count >= capacity { $0.removeAll(keepingCapacity: true) }
            $0[seriesUID] = entry
        }
    }

    /// For operations that move or delete series (patient merge, deletion): forget everything.
    func clear() { entries.withLock { $0.removeAll() } }
}

/// One holder at a time per key (a SOP Instance UID); other keys are not held up.
final class KeyedLocks: Sendable {
    let state = Mutex<[String: [CheckedContinuation<Void, Never>]]>([:])

    func lock(_ key: String) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let acquired = state.withLock { s -> Bool in
                if var waiters = s[key] {
                    waiters.append(c)
                    s[key] = waiters
                    return false
                }
                s[key] = []
                return true
            }
            if acquired { c.resume() }
        }
    }

    func unlock(_ key: String) {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            guard var waiters = s[key] else { return nil }
            if waiters.isEmpty {
                s[key] = nil
                return nil
            }
            let first = waiters.removeFirst()
            s[key] = waiters
            return first
        }
        next?.resume()
    }
}

/// The issuer of patient IDs for studies an institution sends: its code, except for the home institution (the first
/// one, which runs the archive), whose patients keep an empty issuer. Codes do not change while the server runs.
final class InstitutionIssuers: Sendable {
    let cache = Mutex<[Int: String]>([:])

    func issuer(for institutionID: Int?, database: Database) async throws -> String {
        guard let institutionID else { return "" }
        if let known = cache.withLock({ $0[institutionID] }) { return known }
        let issuer = try await database.read { sql -> String in
            let home = try await sql.raw("SELECT MIN(id) AS id FROM institutions").first()?.intOrNil("id")
            if home == institutionID { return "" }
            return try await sql.raw("SELECT code FROM institutions WHERE id = \(bind: institutionID)").first()?.string("code") ?? ""
        }
        cache.withLock { $0[institutionID] = issuer }
        return issuer
    }
}
