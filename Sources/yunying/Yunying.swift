import ArgumentParser
import Archive
import DICOMCommands
import DICOMNetwork
import NIOSSL
import ServiceLifecycle
import Foundation
import Logging
import Platform
import Scheduling
import Server

@main
struct Yunying: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "yunying",
        abstract: "云影 Yunying — cloud imaging platform (PACS, RIS, viewer, reporting, cloud film).",
        subcommands: [
            Serve.self, Migrate.self, Demo.self, UserCommand.self, AuditCommand.self, ConfigCommand.self, DICOMCommand.self,
        ],
        defaultSubcommand: Serve.self)
}

struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Config file (KEY=value lines); environment variables override it.")
    var config: String?

    func load() throws -> YunyingConfig { try YunyingConfig.load(file: config) }
}

func makeLogger(_ config: YunyingConfig) -> Logger {
    var logger = Logger(label: "yunying")
    logger.logLevel = Logger.Level(rawValue: config.logLevel) ?? .info
    return logger
}

/// Opens the database, applies migrations and seeds; prints the bootstrap password once if generated.
func prepare(_ config: YunyingConfig, logger: Logger) async throws -> Database {
    try FileManager.default.createDirectory(atPath: config.dataDir, withIntermediateDirectories: true)
    let database = try await Database.open(config: config, logger: logger)
    do {
        let outcome = try await Bootstrap.prepare(
            database: database, adminPassword: config.adminPassword)
        if !outcome.appliedMigrations.isEmpty {
            logger.info(
                "applied migrations \(outcome.appliedMigrations.map(String.init).joined(separator: ", "))")
        }
        if let password = outcome.generatedAdminPassword {
            print(
                """

                ================================================================
                 管理员账户已创建 / Administrator account created
                   用户名 user name: admin
                   初始密码 password:  \(password)
                 仅显示这一次，首次登录后须修改。 Shown once; change it at first login.
                ================================================================

                """)
        }
    } catch {
        await database.close()
        throw error
    }
    return database
}

/// Runs a shell command's body against a prepared database and closes it afterwards.
func withServices<T>(_ options: GlobalOptions, _ body: (AppServices) async throws -> T) async throws
    -> T
{
    let config = try options.load()
    let database = try await prepare(config, logger: makeLogger(config))
    do {
        let result = try await body(AppServices(config: config, database: database))
        await database.close()
        return result
    } catch {
        await database.close()
        throw error
    }
}

/// Finds a live user by exact login name (case-insensitive).
func findUser(_ services: AppServices, _ username: String) async throws -> UserView {
    guard
        let user = try await services.users.list(
            UserQuery(text: username), scope: .everything, page: PageRequest(pageSize: 200)
        )
        .items.first(where: { $0.username.lowercased() == username.lowercased() })
    else { throw ValidationError("no user \(username)") }
    return user
}

/// Shell actions are audited like any other, under the pseudo-user `shell`.
func auditShell(_ services: AppServices, _ action: String, userID: Int) async throws {
    try await services.audit.record(
        AuditEvent(
            action: action, objectType: "user", objectID: String(userID), detail: "命令行操作"),
        by: AuditActor(username: "shell"))
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the HTTP server and the DICOM listener.")
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let config = try options.load()
        let logger = makeLogger(config)
        let database = try await prepare(config, logger: logger)
        do {
            let services = AppServices(config: config, database: database)
            try await services.archive.prepare()
            // The TLS context first: a bad certificate or key stops the start with a clear message.
            let tls = try config.dicomTLSPort.map { _ in
                try DICOMListener.tlsContext(certificateFile: config.dicomTLSCertificate ?? "", keyFile: config.dicomTLSKey ?? "")
            }
            func listener(port: Int, tls: NIOSSLContext?) -> DICOMListener {
                DICOMListener(
                    host: config.httpHost, port: port, policy: services.archive.acceptorPolicy(),
                    services: services.archive.serviceProvider(logger: logger), registry: services.archive.associations,
                    maxAssociations: config.dicomMaxAssociations, tls: tls, logger: logger)
            }
            let archive = services.archive
            // Look often enough that a short quiet period (tests, small sites) is honoured closely.
            let completionInterval = Duration.seconds(min(10, max(1, archive.completion.quiet.components.seconds / 4)))
            var listeners: [any Service] = [
                listener(port: config.dicomPort, tls: nil),
                BackgroundLoop { await archive.routing.run() },
                BackgroundLoop(active: archive.cloud.enabled) { await archive.cloud.loop() },
                BackgroundLoop { await archive.completion.loop(interval: completionInterval) },
                BackgroundLoop { await archive.matcher.loop() },
                BackgroundLoop { await archive.integrity.loop() },
                BackgroundLoop { [scheduling = services.scheduling] in await scheduling.loop() },
            ]
            if let port = config.dicomTLSPort, let tls { listeners.append(listener(port: port, tls: tls)) }
            let app = buildApplication(services: services, extraServices: listeners, logger: logger)
            logger.info("Yunying listening on http://\(config.httpHost):\(config.httpPort)/")
            try await app.runService()
        } catch {
            logger.critical("\(error)")
            await database.close()
            throw error
        }
        await database.close()
    }
}

/// One of the archive's background loops (routing outbox, cloud archive, study completion, exam matching, integrity
/// checks), stopped with the server. A loop with nothing to do waits for shutdown: a service that returns early would
/// stop the whole group.
struct BackgroundLoop: Service {
    let active: Bool
    let body: @Sendable () async -> Void
    init(active: Bool = true, _ body: @escaping @Sendable () async -> Void) {
        self.active = active
        self.body = body
    }
    func run() async throws {
        guard active else { return try await gracefulShutdown() }
        await cancelWhenGracefulShutdown { await body() }
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply database migrations and exit.")
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await withServices(options) { _ in
            let versions = Migrations.all.map { "\($0.version) \($0.name)" }.joined(separator: ", ")
            print("database is at the latest schema (\(versions))")
        }
    }
}

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load demo institutions, departments, dictionaries and one user per role.")
    @OptionGroup var options: GlobalOptions
    @Option(help: "Password for every demo user (default: YUNYING_DEMO_PASSWORD or a generated one).")
    var password: String?
    @Flag(help: "Also file three synthetic studies dated today (chest CT, head MR, chest radiograph) when the archive is empty.")
    var studies = false

    func run() async throws {
        let password =
            password ?? ProcessInfo.processInfo.environment["YUNYING_DEMO_PASSWORD"]
            ?? Secrets.temporaryPassword()
        try await withServices(options) { services in
            let added = try await DemoData.load(database: services.database, password: password)
            print("demo data: \(added) records added")
            let appointments = try await SchedulingDemo.load(services.scheduling)
            if appointments > 0 { print("demo scheduling: 4 queues with their timetables, \(appointments) appointments (half registered, on the worklist)") }
            if studies {
                let objects = try await DemoStudies.load(into: services.archive.ingest)
                print(objects > 0 ? "demo studies: \(objects) images of 3 synthetic patients, dated today" : "demo studies: the archive already has studies")
            }
            if added > 0 {
                print(
                    "demo users (\(DemoData.users.map(\.username).joined(separator: ", "))) share the initial password \(password); each must change it at first login"
                )
            }
        }
    }
}

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage user accounts from the shell.",
        subcommands: [Create.self, ResetPassword.self, Unlock.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a user with one role.")
        @OptionGroup var options: GlobalOptions
        @Option var username: String
        @Option(name: .customLong("name")) var displayName: String
        @Option(help: "Institution code (e.g. CH-MAIN).") var institution: String
        @Option(help: "Role code (e.g. system_admin, registrar).") var role: String
        @Flag(help: "Grant the role for all institutions instead of the user's own.")
        var allInstitutions = false

        func run() async throws {
            try await withServices(options) { services in
                let institutions = try await services.dictionaries.all("institutions")
                guard
                    case .int(let institutionID) = institutions.first(where: {
                        $0["code"]?.stringValue == institution
                    })?["id"] ?? .null
                else {
                    throw ValidationError("unknown institution code \(institution)")
                }
                guard let roleID = try await services.roles.list().first(where: { $0.code == role })?.id
                else {
                    throw ValidationError("unknown role code \(role)")
                }
                let (user, password) = try await services.users.create(
                    UserInput(username: username, displayName: displayName, institutionId: institutionID),
                    scope: .everything)
                try await services.users.setAssignments(
                    userID: user.id,
                    [
                        RoleAssignment(
                            roleId: roleID, allInstitutions: allInstitutions,
                            institutionIds: allInstitutions ? [] : [institutionID])
                    ],
                    callerScope: .everything, viewScope: .everything, by: 0)
                try await auditShell(services, "user.create", userID: user.id)
                print(
                    "created \(username); initial password \(password ?? "-") (must be changed at first login)"
                )
            }
        }
    }

    struct ResetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a new temporary password and unlock the account.")
        @OptionGroup var options: GlobalOptions
        @Argument var username: String

        func run() async throws {
            try await withServices(options) { services in
                let user = try await findUser(services, username)
                let password = try await services.users.resetPassword(id: user.id, scope: .everything)
                try await auditShell(services, "user.password.reset", userID: user.id)
                print("new temporary password for \(username): \(password) (must be changed at next login)")
            }
        }
    }

    struct Unlock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Clear a lockout.")
        @OptionGroup var options: GlobalOptions
        @Argument var username: String

        func run() async throws {
            try await withServices(options) { services in
                let user = try await findUser(services, username)
                try await services.users.unlock(id: user.id, scope: .everything)
                try await auditShell(services, "user.unlock", userID: user.id)
                print("unlocked \(username)")
            }
        }
    }
}

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Audit trail tools.", subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the audit hash chain; exit 1 at the first broken link.")
        @OptionGroup var options: GlobalOptions

        func run() async throws {
            let config = try options.load()
            let database = try await Database.open(config: config, logger: makeLogger(config))
            let result = try await AuditLog(database: database).verify()
            await database.close()
            if result.ok {
                print("audit chain intact: \(result.records) records")
            } else {
                print(
                    "audit chain BROKEN at record \(result.brokenAt ?? 0): \(result.reason ?? "") (\(result.records) records before it verified)"
                )
                throw ExitCode(1)
            }
        }
    }
}

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Print every configuration key, its default and its current value.")
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        for key in YunyingConfig.keys {
            let value =
                key.name == "YUNYING_ADMIN_PASSWORD"
                ? (env[key.name] == nil ? "(unset)" : "(set)") : env[key.name] ?? "(default)"
            print("\(key.name)\t\(key.defaultValue)\t\(value)\t\(key.description)")
        }
    }
}
