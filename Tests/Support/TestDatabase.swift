import Foundation
import Logging
import Platform
import PostgresKit
import Testing

/// Shared by the test targets that touch the database.
///
/// The engines every repository test runs on: SQLite always, PostgreSQL when `YUNYING_TEST_POSTGRES_URL`
/// names a server (CI starts a throwaway cluster and sets it).
public enum TestEngine: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres
    public var testDescription: String { rawValue }

    public static var available: [TestEngine] {
        ProcessInfo.processInfo.environment["YUNYING_TEST_POSTGRES_URL"] == nil ? [.sqlite] : [.sqlite, .postgres]
    }
}

/// A fresh, migrated database for one test; PostgreSQL gets a database of its own, dropped afterwards.
public func withDatabase<T: Sendable>(_ engine: TestEngine, seed: Bool = true, _ body: (Database) async throws -> T) async throws -> T {
    setenv("YUNYING_BCRYPT_COST", "4", 1)
    switch engine {
    case .sqlite:
        let db = try await Database.openSQLite(path: nil)
        do {
            if seed { _ = try await Bootstrap.prepare(database: db, adminPassword: "Yy#Passw0rd2026") }
            let result = try await body(db)
            await db.close()
            return result
        } catch {
            await db.close()
            throw error
        }
    case .postgres:
        let base = ProcessInfo.processInfo.environment["YUNYING_TEST_POSTGRES_URL"]!
        let name = "yy_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        let admin = try Database.openPostgres(url: base)
        try await admin.read { try await $0.raw("CREATE DATABASE \(unsafeRaw: String(name))").run() }
        var components = URLComponents(string: base)!
        components.path = "/" + name
        let db = try Database.openPostgres(url: components.string!)
        func cleanup() async {
            await db.close()
            try? await admin.read { try await $0.raw("DROP DATABASE IF EXISTS \(unsafeRaw: String(name)) WITH (FORCE)").run() }
            await admin.close()
        }
        do {
            if seed { _ = try await Bootstrap.prepare(database: db, adminPassword: "Yy#Passw0rd2026") }
            let result = try await body(db)
            await cleanup()
            return result
        } catch {
            await cleanup()
            throw error
        }
    }
}
