import Foundation
import SQLKit

/// Password, lockout and session rules. Defaults follow 等保 level 3 (GB/T 22239-2019): complex passwords,
/// periodic rotation, lockout after repeated failures, idle sessions ended.
public struct SecurityPolicy: Codable, Sendable, Equatable {
    public var minLength = 8
    public var minClasses = 3
    public var maxAgeDays = 90
    public var historyCount = 5
    public var lockoutThreshold = 5
    public var lockoutMinutes = 15
    public var sessionIdleMinutes = 30
    public var sessionAbsoluteHours = 12

    public init() {}

    public func validate() throws {
        var v = Validator()
        func range(_ value: Int, _ field: String, _ zh: String, _ en: String, _ r: ClosedRange<Int>) {
            if !r.contains(value) {
                v.add(
                    field, "out_of_range", "\(zh)应在 \(r.lowerBound)–\(r.upperBound) 之间",
                    "\(en) must be between \(r.lowerBound) and \(r.upperBound)")
            }
        }
        range(minLength, "minLength", "密码最小长度", "Minimum length", 8...64)
        range(minClasses, "minClasses", "字符类别数", "Character classes", 1...4)
        range(maxAgeDays, "maxAgeDays", "密码有效期（天）", "Password lifetime (days)", 0...365)
        range(historyCount, "historyCount", "禁止重复使用的历史密码数", "Password history", 0...24)
        range(lockoutThreshold, "lockoutThreshold", "锁定前允许失败次数", "Failures before lockout", 3...20)
        range(lockoutMinutes, "lockoutMinutes", "锁定时长（分钟）", "Lockout minutes", 1...1440)
        range(sessionIdleMinutes, "sessionIdleMinutes", "空闲超时（分钟）", "Idle timeout (minutes)", 5...480)
        range(sessionAbsoluteHours, "sessionAbsoluteHours", "会话最长时长（小时）", "Absolute session lifetime (hours)", 1...72)
        try v.check()
    }

    /// Field errors for a candidate password (field `newPassword`), empty when it is acceptable.
    public func problems(password: String, username: String, field: String = "newPassword") -> [FieldError] {
        var v = Validator()
        if password.count < minLength {
            v.add(field, "too_short", "密码至少需要 \(minLength) 位", "Password must have at least \(minLength) characters")
        }
        if password.count > 128 { v.add(field, "too_long", "密码不能超过 128 位", "Password must have at most 128 characters") }
        var classes = 0
        if password.contains(where: { $0.isLowercase }) { classes += 1 }
        if password.contains(where: { $0.isUppercase }) { classes += 1 }
        if password.contains(where: { $0.isNumber }) { classes += 1 }
        if password.contains(where: { !$0.isLetter && !$0.isNumber }) { classes += 1 }
        if classes < minClasses {
            v.add(
                field, "too_simple", "密码需包含大写字母、小写字母、数字、符号中的至少 \(minClasses) 类",
                "Password must mix at least \(minClasses) of: upper case, lower case, digits, symbols")
        }
        if !username.isEmpty, password.lowercased().contains(username.lowercased()) {
            v.add(field, "contains_username", "密码不能包含用户名", "Password must not contain the user name")
        }
        return v.errors
    }
}

/// Reads and writes the policy in the `settings` table.
public struct SecurityPolicyStore: Sendable {
    static let key = "security_policy"
    let database: Database

    public init(database: Database) { self.database = database }

    public func load() async throws -> SecurityPolicy {
        try await database.read { try await Self.load($0) }
    }

    static func load(_ sql: any SQLDatabase) async throws -> SecurityPolicy {
        guard let text = try await sql.raw("SELECT value FROM settings WHERE key = \(bind: key)").first()?.string("value"),
            let policy = try? JSONDecoder().decode(SecurityPolicy.self, from: Data(text.utf8))
        else { return SecurityPolicy() }
        return policy
    }

    public func save(_ policy: SecurityPolicy) async throws {
        try policy.validate()
        let text = String(decoding: try JSONEncoder().encode(policy), as: UTF8.self)
        let now = Timestamp.string()
        try await database.write { sql in
            try await sql.raw("DELETE FROM settings WHERE key = \(bind: Self.key)").run()
            try await sql.raw("INSERT INTO settings (key, value, updated_at) VALUES (\(bind: Self.key), \(bind: text), \(bind: now))").run()
        }
    }
}
