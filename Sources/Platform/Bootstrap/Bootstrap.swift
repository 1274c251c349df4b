import Foundation
import SQLKit

/// Everything a fresh data store needs before the first request: schema, built-in roles, and the
/// bootstrap administrator.
public enum Bootstrap {
    public struct Outcome: Sendable {
        public var appliedMigrations: [Int]
        /// Set only when the admin account was created just now with a generated password.
        public var generatedAdminPassword: String?
        public var adminCreated: Bool
    }

    public static func prepare(database: Database, adminPassword: String?) async throws -> Outcome {
        let applied = try await Migrations.run(on: database)
        try await RoleService(database: database).seedBuiltins()
        let exists = try await database.read { try await $0.count("SELECT COUNT(*) AS n FROM users WHERE username = 'admin'") }
        guard exists == 0 else { return Outcome(appliedMigrations: applied, generatedAdminPassword: nil, adminCreated: false) }
        let policy = try await SecurityPolicyStore(database: database).load()
        if let given = adminPassword {
            let problems = policy.problems(password: given, username: "admin", field: "YUNYING_ADMIN_PASSWORD")
            if let first = problems.first { throw BootstrapError.weakAdminPassword(first.en) }
        }
        let password = adminPassword ?? Secrets.temporaryPassword()
        let hash = Secrets.hashPassword(password)
        let stamp = Timestamp.string()
        // A generated password was shown on a console: treat it as temporary.
        let mustChange = adminPassword == nil
        try await database.write { sql in
            let id = try await sql.raw(
                """
                INSERT INTO users (username, display_name, password_hash, password_changed_at, must_change_password, active,
                  created_at, updated_at)
                VALUES ('admin', '系统管理员', \(bind: hash), \(bind: stamp), \(bind: mustChange), \(bind: true), \(bind: stamp), \(bind: stamp))
                RETURNING id
                """
            ).first()!.int("id")
            try await sql.raw(
                "INSERT INTO password_history (user_id, password_hash, created_at) VALUES (\(bind: id), \(bind: hash), \(bind: stamp))"
            ).run()
            // The bootstrap account holds the three administrator roles so that a new installation can be
            // set up at all; docs/operations.md tells operators to create separate accounts and disable it.
            for code in ["system_admin", "security_admin", "auditor"] {
                try await sql.raw(
                    """
                    INSERT INTO role_assignments (user_id, role_id, all_institutions, all_categories, created_at)
                    SELECT \(bind: id), id, \(bind: true), \(bind: true), \(bind: stamp) FROM roles WHERE code = \(bind: code)
                    """
                ).run()
            }
        }
        try await AuditLog(database: database).record(
            AuditEvent(action: "system.bootstrap", objectType: "user", objectID: "admin", detail: "初始化管理员账户"),
            by: AuditActor(username: "system"))
        return Outcome(appliedMigrations: applied, generatedAdminPassword: adminPassword == nil ? password : nil, adminCreated: true)
    }
}

public enum BootstrapError: Error, CustomStringConvertible {
    case weakAdminPassword(String)
    public var description: String {
        switch self {
        case .weakAdminPassword(let m): "YUNYING_ADMIN_PASSWORD does not meet the password policy: \(m)"
        }
    }
}
