import Archive
import Foundation
import Platform

/// The domain services the HTTP layer calls. Handlers stay thin: parse, call, render.
public struct AppServices: Sendable {
    public let config: YunyingConfig
    public let database: Database
    public let audit: AuditLog
    public let auth: AuthService
    public let users: UserService
    public let roles: RoleService
    public let policies: SecurityPolicyStore
    public let dictionaries: DictionaryService
    public let transfer: DictionaryTransfer
    public let archive: ArchiveServices

    public init(config: YunyingConfig, database: Database, now: @escaping @Sendable () -> Date = { Date() }) {
        self.config = config
        self.database = database
        audit = AuditLog(database: database)
        auth = AuthService(database: database, audit: audit, now: now)
        users = UserService(database: database, auth: auth)
        roles = RoleService(database: database)
        policies = SecurityPolicyStore(database: database)
        dictionaries = DictionaryService(database: database)
        transfer = DictionaryTransfer(database: database)
        archive = ArchiveServices(config: config, database: database)
    }
}
