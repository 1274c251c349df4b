import Foundation
import Hummingbird
import Platform

/// A JSON body with a chosen status; never cached (it may hold patient data).
struct JSONResponse<Value: Encodable & Sendable>: ResponseGenerator {
    var value: Value
    var status: HTTPResponse.Status = .ok

    init(_ value: Value, status: HTTPResponse.Status = .ok) {
        self.value = value
        self.status = status
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}

/// 204 No Content.
struct NoContent: ResponseGenerator {
    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: .noContent)
    }
}

/// A downloadable file (Excel export, signature image).
struct FileResponse: ResponseGenerator {
    var data: Data
    var contentType: String
    var filename: String?

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: contentType, .cacheControl: "no-store"]
        if let filename {
            let encoded = filename.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "export"
            headers[.contentDisposition] = "attachment; filename=\"export.xlsx\"; filename*=UTF-8''\(encoded)"
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

struct ErrorBody: Encodable, Sendable {
    struct Field: Encodable, Sendable {
        let field: String
        let code: String
        let message: String
    }
    struct Detail: Encodable, Sendable {
        let code: String
        let message: String
        let fields: [Field]?
    }
    let error: Detail
}

extension Request {
    /// `?lang=en|zh-CN` (for plain download links, which cannot set headers) wins over Accept-Language.
    var prefersEnglish: Bool {
        if let lang = uri.queryParameters.get("lang")?.lowercased(), !lang.isEmpty { return lang.hasPrefix("en") }
        return headers[.acceptLanguage]?.lowercased().hasPrefix("en") ?? false
    }

    func query(_ name: String) -> String? {
        uri.queryParameters.get(name).flatMap { $0.isEmpty ? nil : $0 }
    }

    func queryInt(_ name: String) throws -> Int? {
        guard let s = query(name) else { return nil }
        guard let v = Int(s) else { throw DomainError.badRequest("参数 \(name) 须为整数", "Parameter \(name) must be an integer") }
        return v
    }

    func queryBool(_ name: String) -> Bool? {
        query(name).map { ["1", "true", "yes"].contains($0.lowercased()) }
    }

    var pageRequest: PageRequest {
        get throws { PageRequest(page: try queryInt("page"), pageSize: try queryInt("pageSize")) }
    }

    /// Decodes a JSON body; a malformed one is a 400 with a message a person can read.
    func json<T: Decodable>(_ type: T.Type, context: AppContext) async throws -> T {
        let buffer = try await body.collect(upTo: context.maxUploadSize)
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch {
            throw DomainError.badRequest("请求内容不是有效的 JSON 或字段类型不正确", "The request body is not valid JSON of the expected shape")
        }
    }

    func bytes(limit: Int) async throws -> Data {
        do {
            return Data(try await body.collect(upTo: limit).readableBytesView)
        } catch {
            throw DomainError(status: 413, code: "payload_too_large", zh: "上传内容过大", en: "The upload is too large")
        }
    }
}

extension AppContext {
    func intParameter(_ name: String) throws -> Int {
        guard let v = parameters.get(name, as: Int.self) else { throw DomainError.notFound("对象", "Object") }
        return v
    }
}
