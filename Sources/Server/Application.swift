import Foundation
import Hummingbird
import Logging
import Platform
import ServiceLifecycle

/// Health probes for load balancers and operators (SVC-01).
enum HealthController {
    struct Health: Encodable, Sendable { let status: String }
    struct Ready: Encodable, Sendable {
        let status: String
        let database: String
        let storage: String
    }

    static func register(_ r: Routes) {
        let s = r.services
        r.get("healthz", .anonymous) { _, _ in JSONResponse(Health(status: "ok")) }
        r.get("readyz", .anonymous) { _, _ in
            var database = "ok"
            var storage = "ok"
            do { try await s.database.ping() } catch { database = "error: database unreachable" }
            let probe = (s.config.dataDir as NSString).appendingPathComponent(".readyz-\(UUID().uuidString)")
            if FileManager.default.createFile(atPath: probe, contents: Data("ok".utf8)) {
                try? FileManager.default.removeItem(atPath: probe)
            } else {
                storage = "error: data directory not writable"
            }
            let ok = database == "ok" && storage == "ok"
            return JSONResponse(
                Ready(status: ok ? "ok" : "error", database: database, storage: storage),
                status: ok ? .ok : .serviceUnavailable)
        }
    }
}

/// Builds the router with every controller; returns it with the route list (for tests and docs).
public func buildRouter(services: AppServices, logger: Logger) -> (Router<AppContext>, [RouteSpec]) {
    let router = Router(context: AppContext.self)
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: ErrorMiddleware(logger: logger))
    router.add(middleware: ViewerLinkMiddleware())
    if let web = resolveWebDir(services.config.webDir) {
        router.add(middleware: FileMiddleware(web, searchForIndexHtml: true, logger: logger))
    } else {
        logger.warning("web app folder not found; set YUNYING_WEB_DIR")
    }
    router.add(middleware: AuthenticationMiddleware(auth: services.auth))
    let routes = Routes(router: router, services: services)
    HealthController.register(routes)
    AuthController.register(routes)
    UserController.register(routes)
    RoleController.register(routes)
    AuditController.register(routes)
    DictionaryController.register(routes)
    DICOMController.register(routes)
    DICOMwebController.register(routes)
    ViewerController.register(routes)
    SchedulingController.register(routes)
    RoutingController.register(routes)
    ArchiveController.register(routes)
    ConversionController.register(routes)
    return (router, routes.specs)
}

/// The HTTP application. Other listeners (DICOM) join as services.
public func buildApplication(services: AppServices, extraServices: [any Service] = [], logger: Logger)
    -> some ApplicationProtocol
{
    let (router, _) = buildRouter(services: services, logger: logger)
    return Application(
        router: router,
        configuration: .init(address: .hostname(services.config.httpHost, port: services.config.httpPort), serverName: "Yunying"),
        services: extraServices,
        logger: logger)
}

/// `YUNYING_WEB_DIR`, else `./Web`, else `Web` next to the package the executable was built in.
func resolveWebDir(_ configured: String?) -> String? {
    let fm = FileManager.default
    if let configured { return fm.fileExists(atPath: configured) ? configured : nil }
    var candidates = ["Web"]
    var dir = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
    for _ in 0..<5 {
        candidates.append(dir.appendingPathComponent("Web").path)
        dir.deleteLastPathComponent()
    }
    return candidates.first { fm.fileExists(atPath: ($0 as NSString).appendingPathComponent("index.html")) }
}
