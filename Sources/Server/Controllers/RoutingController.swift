import Archive
import Foundation
import Hummingbird
import Platform

/// Routing (DCM-02): rules that forward arriving objects to other nodes, the outbox their sends wait in, and the
/// health of each destination. Dead letters can be replayed one by one or all at once.
enum RoutingController {
    static func register(_ r: Routes) {
        let archive = r.services.archive
        r.get("api/routing/rules", .permission(.dicomNodesManage)) { _, _ in
            JSONResponse(["items": try await archive.routingRules.list()])
        }
        r.post("api/routing/rules", .permission(.dicomNodesManage), audit: "routing.rule.create", object: "routing_rule") { request, context in
            let rule = try await archive.routingRules.create(try await request.json(RoutingRuleInput.self, context: context))
            context.auditNote.set(objectID: String(rule.id), detail: "\(rule.name) → \(rule.destinations.joined(separator: ","))")
            return JSONResponse(rule, status: .created)
        }
        r.put("api/routing/rules/:id", .permission(.dicomNodesManage), audit: "routing.rule.update", object: "routing_rule") { request, context in
            let rule = try await archive.routingRules.update(try context.intParameter("id"), try await request.json(RoutingRuleInput.self, context: context))
            context.auditNote.set(detail: "\(rule.name) → \(rule.destinations.joined(separator: ","))\(rule.active ? "" : "（停用）")")
            return JSONResponse(rule)
        }
        r.delete("api/routing/rules/:id", .permission(.dicomNodesManage), audit: "routing.rule.delete", object: "routing_rule") { _, context in
            try await archive.routingRules.delete(try context.intParameter("id"))
            return Response(status: .noContent)
        }
        r.get("api/routing/outbox", .permission(.monitorView)) { request, _ in
            JSONResponse(try await archive.routing.list(status: request.query("status"), destination: request.query("destination"),
                                                        page: try request.pageRequest))
        }
        r.get("api/routing/destinations", .permission(.monitorView)) { _, _ in
            JSONResponse(["items": try await archive.routing.health()])
        }
        r.post("api/routing/outbox/:id/retry", .permission(.dicomNodesManage), audit: "routing.retry", object: "outbox") { _, context in
            try await archive.routing.retry(try context.intParameter("id"))
            return Response(status: .noContent)
        }
        r.post("api/routing/outbox/retry-dead", .permission(.dicomNodesManage), audit: "routing.retry-dead", object: "outbox") { request, context in
            let n = try await archive.routing.retryDead(destination: request.query("destination"))
            context.auditNote.set(detail: "重新发送 \(n) 个失败任务" + (request.query("destination").map { "（\($0)）" } ?? ""))
            return JSONResponse(["requeued": n])
        }
    }
}
