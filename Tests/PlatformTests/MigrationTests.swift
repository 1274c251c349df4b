import Foundation
import Platform
import SQLKit
import TestSupport
import Testing

@Suite("Migrations and configuration")
struct MigrationTests {
    @Test("migrations apply once on each engine and create the schema", arguments: TestEngine.available)
    func migrations(engine: TestEngine) async throws {
        try await withDatabase(engine, seed: false) { db in
            let first = try await Migrations.run(on: db)
            #expect(first == Migrations.all.map(\.version))
            let second = try await Migrations.run(on: db)
            #expect(second.isEmpty)
            for table in ["users", "roles", "role_assignments", "sessions", "audit_log", "institutions", "exam_items", "report_templates"] {
                let n = try await db.read { try await $0.count(rawTestSQL("SELECT COUNT(*) AS n FROM \(table)")) }
                #expect(n == 0)
            }
        }
    }

    @Test("bootstrap creates admin with the three administrator roles; a weak admin password is refused", arguments: TestEngine.available)
    func bootstrap(engine: TestEngine) async throws {
        try await withDatabase(engine, seed: false) { db in
            await #expect(throws: BootstrapError.self) { _ = try await Bootstrap.prepare(database: db, adminPassword: "admin123") }
            let generated = try await Bootstrap.prepare(database: db, adminPassword: nil)
            #expect(generated.adminCreated)
            let password = try #require(generated.generatedAdminPassword)
            #expect(password.count >= 12)
            let again = try await Bootstrap.prepare(database: db, adminPassword: nil)
            #expect(!again.adminCreated && again.generatedAdminPassword == nil)
            let auth = AuthService(database: db, audit: AuditLog(database: db))
            let login = try await auth.login(username: "admin", password: password, clientIP: "127.0.0.1", userAgent: nil)
            #expect(Set(login.principal.roles.map(\.code)) == ["system_admin", "security_admin", "auditor"])
            #expect(login.principal.passwordChangeRequired, "a generated password is temporary")
            #expect(!login.principal.has(.studyView), "administrators see no patient data")
        }
    }

    @Test("config file, environment override and validation")
    func config() throws {
        let dir = NSTemporaryDirectory() + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let file = dir + "/yunying.conf"
        try "# comment\nYUNYING_HTTP_PORT=9000\nYUNYING_AE_TITLE=\"CITYPACS\"\n".write(toFile: file, atomically: true, encoding: .utf8)
        let c = try YunyingConfig.load(file: file, environment: ["YUNYING_HTTP_PORT": "9100"])
        #expect(c.httpPort == 9100)
        #expect(c.aeTitle == "CITYPACS")
        #expect(c.dataDir == "./data" && c.httpHost == "127.0.0.1" && c.dicomPort == 11112 && c.databaseURL == nil)
        #expect(throws: ConfigError.self) { try YunyingConfig.load(file: nil, environment: ["YUNYING_HTTP_PORT": "99999"]) }
        try "YUNYING_NO_SUCH=1\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(throws: ConfigError.self) { try YunyingConfig.load(file: file, environment: [:]) }
    }

    @Test("DICOM peers parse from AE@host:port lists; bad entries are refused")
    func peers() throws {
        let c = try YunyingConfig.load(file: nil, environment: ["YUNYING_DICOM_PEERS": "CT01@10.0.0.5:104, ORTHANC@pacs.local:4242",
                                                                "YUNYING_DICOM_ACCEPT_ANY": "false"])
        #expect(c.dicomPeers.map(\.aeTitle) == ["CT01", "ORTHANC"] && c.dicomPeers[1].port == 4242 && !c.dicomAcceptAnyAE)
        #expect(throws: ConfigError.self) { try YunyingConfig.load(file: nil, environment: ["YUNYING_DICOM_PEERS": "CT01@host"]) }
        #expect(try YunyingConfig.load(file: nil, environment: [:]).dicomAcceptAnyAE)
    }

    @Test("the shipped example config file parses and documents every key")
    func exampleConfig() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent("config/yunying.conf.example").path
        let config = try YunyingConfig.load(file: path, environment: [:])
        #expect(config.httpPort == 8080)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for key in YunyingConfig.keys { #expect(text.contains("#\(key.name)="), "\(key.name) documented") }
    }

    @Test("timestamps format and parse consistently")
    func timestamps() throws {
        let d = try #require(Timestamp.parse("2026-11-29T10:54:58.123Z"))
        #expect(Timestamp.string(d) == "2026-11-29T10:54:58.123Z")
        #expect(Timestamp.normalized("2026-11-29T18:54+08:00") == "2026-11-29T10:54:00.000Z")
        #expect(Timestamp.normalized("2026-11-29") == "2026-11-29T00:00:00.000Z")
        #expect(Timestamp.parse("2026-13-01") == nil)
        #expect(Timestamp.parse("yesterday") == nil)
    }
}

func rawTestSQL(_ s: String) -> SQLQueryString { SQLQueryString(s) }
