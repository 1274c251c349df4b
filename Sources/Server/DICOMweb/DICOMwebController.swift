import Archive
import DICOM
import DICOMImaging
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import HTTPTypes
import Hummingbird
import Platform
import Synchronization

/// DICOMweb under `/dicomweb` (PS3.18): QIDO-RS search, WADO-RS retrieve (instances, metadata, frames, bulk data,
/// rendered and thumbnails) and STOW-RS, behind the same login, permissions, scope and audit as the rest of the API.
/// Handlers only negotiate media types and shape responses; the archive's services do the work.
enum DICOMwebController {
    static let dicomJSON = "application/dicom+json"

    static func register(_ r: Routes) {
        let archive = r.services.archive
        let views = ViewAuditThrottle()

        // MARK: QIDO-RS
        let searches: [(String, QIDOSearch.Level)] = [
            ("dicomweb/studies", .study), ("dicomweb/series", .series), ("dicomweb/instances", .instance),
            ("dicomweb/studies/:study/series", .series), ("dicomweb/studies/:study/instances", .instance),
            ("dicomweb/studies/:study/series/:series/instances", .instance),
        ]
        for (path, level) in searches {
            r.get(path, .permission(.studyView), audit: "dicomweb.search", object: "study") { request, context in
                let principal = try context.require()
                let parameters = request.uri.queryParameters.map { (String($0.key), String($0.value)) }
                let search = try QIDOSearch(level: level, studyUID: context.parameters.get("study"), seriesUID: context.parameters.get("series"),
                                            parameters: parameters)
                let (items, total) = try await archive.query.search(search, scope: principal.scope(for: .studyView))
                // A viewer lists the series of an open study again and again; one record per study and user is enough.
                if let study = search.studyUID, views.recentlyAudited(principal.userID, "search:" + study) { context.auditNote.markAlreadyAudited() }
                context.auditNote.set(objectID: search.studyUID, detail: "QIDO \(path.replacingOccurrences(of: "dicomweb/", with: ""))"
                                          + (request.uri.query.map { "?" + String($0.prefix(300)) } ?? "") + "：\(items.count)/\(total)")
                let base = baseURL(request, publicURL: r.services.config.publicURL) + archive.wado.root
                let json = items.map { item -> String in
                    var ds = item
                    if let url = retrieveURL(ds, level: level, base: base) { ds.set(Tag(0x0008, 0x1190), .UR, string: url) }
                    return DICOMJSON.encode(ds)
                }
                var response = body(Data(("[" + json.joined(separator: ",") + "]").utf8), type: dicomJSON, request: request)
                response.headers[HTTPField.Name("X-Total-Count")!] = String(total)
                return response
            }
        }

        // MARK: WADO-RS instances
        let retrieves = ["dicomweb/studies/:study", "dicomweb/studies/:study/series/:series", "dicomweb/studies/:study/series/:series/instances/:instance"]
        for path in retrieves {
            r.get(path, .permission(.studyView), audit: "dicomweb.retrieve", object: "study") { request, context in
                let principal = try context.require()
                let accept = MediaRange.parse(request.headers[.accept])
                guard let syntax = Negotiation.instanceSyntax(accept) else {
                    throw notAcceptable("multipart/related; type=\"application/dicom\"")
                }
                if syntax != "*", !TransferSyntax.known.contains(where: { $0.uid == syntax }) {
                    throw notAcceptable("a transfer syntax this archive knows")
                }
                let (study, instances) = try await archive.wado.instances(
                    study: try context.require("study"), series: context.parameters.get("series"), instance: context.parameters.get("instance"),
                    scope: principal.scope(for: .studyView))
                audit(context, views, principal, study, "下载 \(instances.count) 个实例（WADO-RS）", kind: "retrieve")
                return multipartInstances(instances, syntax: syntax)
            }
        }

        // MARK: Metadata
        r.get("dicomweb/studies/:study/metadata", .permission(.studyView), audit: "dicomweb.metadata", object: "study") { request, context in
            let principal = try context.require()
            let (study, json) = try await archive.wado.studyMetadata(study: try context.require("study"), scope: principal.scope(for: .studyView))
            audit(context, views, principal, study, "查看检查元数据", kind: "metadata")
            return body(json, type: dicomJSON, request: request)
        }
        r.get("dicomweb/studies/:study/series/:series/metadata", .permission(.studyView), audit: "dicomweb.metadata", object: "study") {
            request, context in
            let principal = try context.require()
            let (study, json) = try await archive.wado.seriesMetadata(
                study: try context.require("study"), series: try context.require("series"), scope: principal.scope(for: .studyView))
            audit(context, views, principal, study, "查看序列元数据", kind: "metadata")
            return body(json, type: dicomJSON, request: request)
        }
        r.get("dicomweb/studies/:study/series/:series/instances/:instance/metadata", .permission(.studyView), audit: "dicomweb.metadata",
              object: "study") { request, context in
            let principal = try context.require()
            let (study, json) = try await archive.wado.instanceMetadata(
                study: try context.require("study"), series: try context.require("series"), instance: try context.require("instance"),
                scope: principal.scope(for: .studyView))
            audit(context, views, principal, study, "查看实例元数据", kind: "metadata")
            return body(json, type: dicomJSON, request: request)
        }

        // MARK: Frames and bulk data
        r.get("dicomweb/studies/:study/series/:series/instances/:instance/frames/:frames", .permission(.studyView), audit: "dicomweb.frames",
              object: "study") { request, context in
            let principal = try context.require()
            let (study, file, frames) = try await archive.wado.pixelFrames(
                study: try context.require("study"), series: try context.require("series"), instance: try context.require("instance"),
                scope: principal.scope(for: .studyView))
            let numbers = try WADOService.frameNumbers(try context.require("frames"), count: frames.count)
            guard numbers.count <= 256, numbers.count * max(1, frames.description.frameLength) <= 512 << 20 else {
                throw DomainError(status: 413, code: "too_many_frames", zh: "一次请求的帧过多，请分批获取", en: "ask for fewer frames at a time")
            }
            let stored = file.transferSyntax
            let accept = MediaRange.parse(request.headers[.accept])
            guard let choice = Negotiation.frameChoice(accept, storedSyntax: stored.uid, storedIsNative: !stored.encapsulated) else {
                throw notAcceptable("multipart/related; type=\"application/octet-stream\"" + (stored.encapsulated ? " or the stored compressed type" : ""))
            }
            audit(context, views, principal, study, "调阅图像帧", kind: "frames")
            var parts: [(String, Data)] = []
            for n in numbers {
                if choice == .asStored, stored.encapsulated {
                    let wantsOctet = accept.first?.partType == "application/octet-stream"
                    let type = wantsOctet ? "application/octet-stream" : Negotiation.frameMediaTypes[stored.uid] ?? "application/octet-stream"
                    parts.append(("\(type); transfer-syntax=\(stored.uid)", try frames.storedFrame(n - 1)))
                } else if choice == .asStored {
                    parts.append(("application/octet-stream; transfer-syntax=\(Negotiation.explicitLittle)", try frames.storedFrame(n - 1)))
                } else {
                    do {
                        parts.append(("application/octet-stream; transfer-syntax=\(Negotiation.explicitLittle)", try PixelCodecs.decodeFrame(frames, n - 1)))
                    } catch {
                        throw DomainError(status: 406, code: "not_acceptable", zh: "无法将该图像解压为原始像素", en: "the frame cannot be decoded: \(error)")
                    }
                }
            }
            return multipart(parts, request: request, compressible: !(choice == .asStored && stored.encapsulated))
        }
        r.get("dicomweb/studies/:study/series/:series/instances/:instance/bulkdata/:tag", .permission(.studyView), audit: "dicomweb.bulkdata",
              object: "study") { request, context in
            let principal = try context.require()
            let raw = try context.require("tag")
            guard raw.count == 8, let value = UInt32(raw, radix: 16) else {
                throw DomainError.badRequest("属性标签应为 8 位十六进制", "the tag must be 8 hexadecimal digits")
            }
            let (study, data) = try await archive.wado.bulkData(
                study: try context.require("study"), series: try context.require("series"), instance: try context.require("instance"),
                tag: Tag(UInt16(value >> 16), UInt16(value & 0xFFFF)), scope: principal.scope(for: .studyView))
            audit(context, views, principal, study, "调阅大数据属性 \(raw)", kind: "bulkdata")
            return multipart([("application/octet-stream", data)], request: request)
        }

        // MARK: Rendered and thumbnails
        let rendered = [
            "dicomweb/studies/:study/series/:series/instances/:instance/rendered",
            "dicomweb/studies/:study/series/:series/instances/:instance/frames/:frames/rendered",
            "dicomweb/studies/:study/series/:series/instances/:instance/thumbnail",
            "dicomweb/studies/:study/series/:series/thumbnail",
            "dicomweb/studies/:study/thumbnail",
        ]
        for path in rendered {
            r.get(path, .permission(.studyView), audit: "dicomweb.rendered", object: "study") { request, context in
                let principal = try context.require()
                let thumbnail = path.hasSuffix("thumbnail")
                let scope = principal.scope(for: .studyView)
                let studyUID = try context.require("study")
                let (study, file, frameIndex) = try await renderSource(
                    archive.wado, study: studyUID, series: context.parameters.get("series"), instance: context.parameters.get("instance"),
                    frames: context.parameters.get("frames"), scope: scope)
                var options = RenderOptions(frame: frameIndex)
                if let window = request.uri.queryParameters.get("window") { options.window = try parseWindow(String(window)) }
                let image: RenderedImage
                do {
                    image = try Renderer.render(file, options: options)
                } catch {
                    throw DomainError(status: 422, code: "not_renderable", zh: "该实例无法生成图像", en: "the instance cannot be rendered: \(error)")
                }
                let viewport = try parseViewport(request.uri.queryParameters.get("viewport").map { String($0) }, default: thumbnail ? (128, 128) : nil)
                let scaled = viewport.map { image.fitted(width: $0.0, height: $0.1) } ?? image
                let accept = MediaRange.parse(request.headers[.accept])
                let png = accept.first.map { $0.type == "image/png" } ?? false
                if !accept.isEmpty, !accept.contains(where: { ["image/png", "image/jpeg", "image/*", "*/*"].contains($0.type) }) {
                    throw notAcceptable("image/jpeg or image/png")
                }
                let quality = Int(request.uri.queryParameters.get("quality") ?? "") ?? 90
                guard (1...100).contains(quality) else { throw DomainError.badRequest("quality 应在 1 到 100 之间", "quality must be 1 to 100") }
                audit(context, views, principal, study, thumbnail ? "查看缩略图" : "查看渲染图像", kind: "rendered")
                let encoded = png ? try scaled.png() : try scaled.jpeg(quality: quality)
                var headers = HTTPFields()
                headers[.contentType] = png ? "image/png" : "image/jpeg"
                headers[.cacheControl] = "private, max-age=300"
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: encoded)))
            }
        }

        // MARK: Viewer annotations (VIEW-19..26): per user and study
        r.get("api/viewer/studies/:study/annotations", .permission(.studyView)) { _, context in
            let principal = try context.require()
            let study = try context.require("study")
            _ = try await archive.wado.studyMetadataVisible(study: study, scope: principal.scope(for: .studyView))
            return JSONResponse(try await archive.annotations.get(userID: principal.userID, studyUID: study))
        }
        r.put("api/viewer/studies/:study/annotations", .permission(.studyView), audit: "viewer.annotations.save", object: "study") {
            request, context in
            struct Input: Decodable {
                let annotations: String?
                let version: Int?
            }
            let principal = try context.require()
            let study = try context.require("study")
            let reference = try await archive.wado.studyMetadataVisible(study: study, scope: principal.scope(for: .studyView))
            let input = try await request.json(Input.self, context: context)
            guard let annotations = input.annotations, let version = input.version else {
                throw DomainError.validation([FieldError(field: "annotations", code: "required", zh: "缺少标注数据或版本", en: "annotations and version are required")])
            }
            let saved = try await archive.annotations.put(userID: principal.userID, studyUID: study, annotations: annotations, version: version)
            context.auditNote.set(objectID: study, patientID: reference.patientID, detail: "保存测量与标注（版本 \(saved.version)）")
            return JSONResponse(saved)
        }

        // MARK: Key images (VIEW-10): Key Object Selection documents in the study
        r.get("api/viewer/studies/:study/key-images", .permission(.studyView), audit: "viewer.key-images", object: "study") { _, context in
            let principal = try context.require()
            let study = try context.require("study")
            let reference = try await archive.wado.studyMetadataVisible(study: study, scope: principal.scope(for: .studyView))
            if views.recentlyAudited(principal.userID, "key-images|" + study) { context.auditNote.markAlreadyAudited() }
            context.auditNote.set(objectID: study, patientID: reference.patientID, detail: "查看关键图像")
            return JSONResponse(["items": try await archive.keyImages.list(studyUID: study, scope: principal.scope(for: .studyView))])
        }
        r.post("api/viewer/studies/:study/key-images", .permission(.reportWrite), audit: "viewer.key-images.save", object: "study") {
            request, context in
            struct Input: Decodable {
                let items: [KeyImageService.Reference]?
                let description: String?
            }
            let principal = try context.require()
            let study = try context.require("study")
            let reference = try await archive.wado.studyMetadataVisible(study: study, scope: principal.scope(for: .studyView))
            let input = try await request.json(Input.self, context: context)
            let saved = try await archive.keyImages.save(
                studyUID: study, references: input.items ?? [], description: input.description ?? "", author: principal.displayName,
                scope: principal.scope(for: .studyView),
                source: IngestSource(route: "viewer", aeTitle: "", institutionID: principal.institutionID, scope: principal.scope(for: .studyView)))
            context.auditNote.set(objectID: study, patientID: reference.patientID, detail: "标记关键图像 \(saved.items.count) 幅")
            return JSONResponse(saved, status: .created)
        }

        // MARK: STOW-RS
        for path in ["dicomweb/studies", "dicomweb/studies/:study"] {
            r.post(path, .permission(.archiveManage), audit: "dicomweb.stow", object: "study") { request, context in
                let principal = try context.require()
                let outcomes = try await receiveSTOW(request, study: context.parameters.get("study"), archive: archive,
                                                     source: IngestSource(route: "stow", aeTitle: "", institutionID: principal.institutionID,
                                                                          scope: principal.scope(for: .archiveManage)))
                let (status, dataset) = archive.stow.response(outcomes, baseURL: baseURL(request, publicURL: r.services.config.publicURL))
                let stored = outcomes.filter { $0.failureReason == nil }.count
                context.auditNote.set(objectID: context.parameters.get("study"),
                                      detail: "STOW-RS 上传 \(outcomes.count) 个实例，成功 \(stored) 个")
                var headers = HTTPFields()
                headers[.contentType] = dicomJSON
                return Response(status: HTTPResponse.Status(code: status), headers: headers,
                                body: .init(byteBuffer: ByteBuffer(string: DICOMJSON.encode(dataset))))
            }
        }
    }

    // MARK: Helpers

    static func notAcceptable(_ offered: String) -> DomainError {
        DomainError(status: 406, code: "not_acceptable", zh: "无法提供所请求的媒体类型，可用：\(offered)", en: "none of the accepted media types can be served; offered: \(offered)")
    }

    /// Records the view of a study once per user and study within a few minutes: a viewer fetches hundreds of
    /// frames for one reading, and the audit trail should say "read study X", not list every frame.
    static func audit(_ context: AppContext, _ views: ViewAuditThrottle, _ principal: Principal, _ study: StudyReference, _ what: String,
                      kind: String) {
        // Per kind of view: a thumbnail glance must not hide a whole-study download a minute later.
        if views.recentlyAudited(principal.userID, kind + "|" + study.studyUID) { context.auditNote.markAlreadyAudited() }
        context.auditNote.set(objectID: study.studyUID, patientID: study.patientID, detail: "\(what)：\(study.patientName) \(study.studyUID)")
    }

    /// The server's public address (`YUNYING_PUBLIC_URL`), else the scheme and authority the client used, for
    /// absolute RetrieveURLs. Behind a proxy, set the public URL: Host and X-Forwarded-Proto are the client's to choose.
    static func baseURL(_ request: Request, publicURL: String?) -> String {
        if let publicURL { return publicURL }
        let scheme = request.headers[HTTPField.Name("X-Forwarded-Proto")!] ?? "http"
        let host = request.head.authority ?? request.headers[HTTPField.Name("Host")!] ?? "localhost"
        return "\(scheme)://\(host)"
    }

    static func retrieveURL(_ ds: DataSet, level: QIDOSearch.Level, base: String) -> String? {
        guard let study = ds.string(.studyInstanceUID) else { return nil }
        switch level {
        case .study: return "\(base)/studies/\(study)"
        case .series:
            guard let series = ds.string(.seriesInstanceUID) else { return nil }
            return "\(base)/studies/\(study)/series/\(series)"
        case .instance:
            guard let series = ds.string(.seriesInstanceUID), let sop = ds.string(.sopInstanceUID) else { return nil }
            return "\(base)/studies/\(study)/series/\(series)/instances/\(sop)"
        }
    }

    /// A single-part body, gzip-compressed when the client accepts it and it is worth it.
    static func body(_ data: Data, type: String, request: Request, pixels: Bool = false) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.vary] = "Accept, Accept-Encoding"
        if data.count > 1024, Negotiation.acceptsGzip(request.headers[.acceptEncoding]), let zipped = Gzip.compress(data, pixels: pixels) {
            headers[.contentEncoding] = "gzip"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: zipped)))
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A small multipart/related body built in memory (frames, bulk data). Uncompressed pixels are gzipped when the
    /// client allows it; codestreams (JPEG-LS, JPEG 2000 …) would not shrink and go as they are.
    static func multipart(_ parts: [(String, Data)], request: Request, compressible: Bool = true) -> Response {
        let boundary = "yunying-" + UUID().uuidString.lowercased()
        var out = Data()
        for (type, data) in parts {
            out.append(Data("--\(boundary)\r\nContent-Type: \(type)\r\n\r\n".utf8))
            out.append(data)
            out.append(Data("\r\n".utf8))
        }
        out.append(Data("--\(boundary)--\r\n".utf8))
        let first = (parts.first?.0 ?? "application/octet-stream").split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        var type = "multipart/related; type=\"\(first[0])\""
        if let ts = first.dropFirst().first(where: { $0.hasPrefix("transfer-syntax=") }) { type += "; " + ts }
        type += "; boundary=\(boundary)"
        guard compressible else {
            var headers = HTTPFields()
            headers[.contentType] = type
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: out)))
        }
        return body(out, type: type, request: request, pixels: true)
    }

    /// Whole instances streamed one file at a time, as stored or transcoded.
    static func multipartInstances(_ instances: [StoredInstance], syntax: String) -> Response {
        let boundary = "yunying-" + UUID().uuidString.lowercased()
        var headers = HTTPFields()
        headers[.contentType] = "multipart/related; type=\"application/dicom\"; boundary=\(boundary)"
        /// One part: its header, the object (as stored or transcoded), the line break before the next boundary.
        @Sendable func part(_ instance: StoredInstance) throws -> ByteBuffer {
            var buffer = ByteBuffer()
            if syntax == "*" || syntax == instance.transferSyntax {
                buffer.reserveCapacity(instance.size + 200)
                buffer.writeString("--\(boundary)\r\nContent-Type: application/dicom; transfer-syntax=\(instance.transferSyntax)\r\n\r\n")
                try appendFile(instance.url, to: &buffer)
            } else {
                let file = try DICOMFile.read(contentsOf: instance.url)
                let data = try DICOMWriter.write(try PixelCodecs.transcode(file, to: TransferSyntax.forUID(syntax)))
                buffer.reserveCapacity(data.count + 200)
                buffer.writeString("--\(boundary)\r\nContent-Type: application/dicom; transfer-syntax=\(syntax)\r\n\r\n")
                buffer.writeBytes(data)
            }
            buffer.writeString("\r\n")
            return buffer
        }
        let body = ResponseBody { writer in
            // The next object is read while the current one is being written to the socket.
            var next: Task<ByteBuffer, any Error>? = instances.first.map { first in Task { try part(first) } }
            for index in instances.indices {
                guard let current = next else { break }
                let buffer = try await current.value
                next = index + 1 < instances.count ? Task { [instance = instances[index + 1]] in try part(instance) } : nil
                try await writer.write(buffer)
            }
            try await writer.write(ByteBuffer(string: "--\(boundary)--\r\n"))
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    /// Reads a stored file straight into the response buffer with read(2): one copy from the page cache, where a
    /// memory map plus a copy into the buffer costs page faults and a second pass over the bytes.
    static func appendFile(_ url: URL, to buffer: inout ByteBuffer) throws {
        let fd = open(url.path, O_RDONLY)
        guard fd >= 0 else { throw DomainError(status: 502, code: "storage_unavailable", zh: "影像文件无法读取", en: "cannot open a stored object") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw DomainError(status: 502, code: "storage_unavailable", zh: "影像文件无法读取", en: "cannot stat a stored object") }
        let size = Int(info.st_size)
        let read = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { target -> Int in
            var done = 0
            while done < size {
                let n = Glibc.read(fd, target.baseAddress! + done, size - done)
                if n <= 0 { throw DomainError(status: 502, code: "storage_unavailable", zh: "影像文件读取中断", en: "short read of a stored object") }
                done += n
            }
            return done
        }
        _ = read
    }

    /// The object and frame a rendered/thumbnail URL means: the instance named, or the middle image of the series
    /// (of the first series with images, for a study).
    static func renderSource(_ wado: WADOService, study: String, series: String?, instance: String?, frames: String?, scope: Scope) async throws
        -> (StudyReference, DICOMFile, Int)
    {
        if let instance, let series {
            let (reference, file, pixels) = try await wado.pixelFrames(study: study, series: series, instance: instance, scope: scope)
            var index = 0
            if let frames {
                let numbers = try WADOService.frameNumbers(frames, count: pixels.count)
                guard numbers.count == 1 else { throw DomainError.badRequest("渲染一次只能指定一帧", "render one frame at a time") }
                index = numbers[0] - 1
            } else if pixels.count > 1 {
                index = pixels.count / 2
            }
            return (reference, file, index)
        }
        let (reference, instances) = try await wado.instances(study: study, series: series, scope: scope)
        let bySeries = Dictionary(grouping: instances, by: \.seriesUID)
        let order = instances.map(\.seriesUID).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        for uid in order {
            let items = bySeries[uid] ?? []
            for candidate in [items[items.count / 2]] + items {
                if let file = try? DICOMFile.read(contentsOf: candidate.url), file.dataset[.pixelData] != nil {
                    let frames = (try? PixelFrames(file).count) ?? 1
                    return (reference, file, frames / 2)
                }
            }
        }
        throw DomainError(status: 404, code: "no_pixel_data", zh: "该检查没有可显示的图像", en: "nothing in it has pixel data")
    }

    static func parseWindow(_ text: String) throws -> Window {
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count >= 2, let center = Double(parts[0]), let width = Double(parts[1]), width > 0 else {
            throw DomainError.badRequest("window 参数格式应为 中心,宽度[,函数]", "window must be center,width[,function]")
        }
        var function = Window.Function.linear
        if parts.count > 2 {
            guard let f = Window.Function(rawValue: parts[2].uppercased()) else {
                throw DomainError.badRequest("窗函数应为 linear、linear_exact 或 sigmoid", "the window function must be linear, linear_exact or sigmoid")
            }
            function = f
        }
        return Window(center: center, width: width, function: function)
    }

    static func parseViewport(_ text: String?, default fallback: (Int, Int)?) throws -> (Int, Int)? {
        guard let text else { return fallback }
        let parts = text.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count >= 2, (1...4096).contains(parts[0]), (1...4096).contains(parts[1]) else {
            throw DomainError.badRequest("viewport 参数格式应为 宽,高（1–4096）", "viewport must be width,height (1-4096)")
        }
        return (parts[0], parts[1])
    }

    /// Streams a STOW-RS body part by part into the incoming area and files each part as it completes.
    static func receiveSTOW(_ request: Request, study: String?, archive: ArchiveServices, source: IngestSource) async throws -> [STOWService.Outcome] {
        let contentType = request.headers[.contentType] ?? ""
        let media = MediaRange.parse(contentType).first
        guard media?.type == "multipart/related", let boundary = MultipartReader.boundary(of: contentType) else {
            throw DomainError(status: 415, code: "unsupported_media_type", zh: "请以 multipart/related; type=\"application/dicom\" 上传",
                              en: "send multipart/related; type=\"application/dicom\" with a boundary")
        }
        if let type = media?.parameters["type"], type.lowercased() != "application/dicom" {
            throw DomainError(status: 415, code: "unsupported_media_type", zh: "仅支持上传 DICOM 文件（application/dicom）",
                              en: "only application/dicom parts are accepted (type=\(type))")
        }
        var reader = MultipartReader(boundary: boundary)
        var outcomes: [STOWService.Outcome] = []
        var current: (url: URL, handle: UnsafeMutablePointer<FILE>)?
        var skipping: String?
        func close() -> URL? {
            guard let c = current else { return nil }
            current = nil
            let ok = fclose(c.handle) == 0
            return ok ? c.url : nil
        }
        defer { if let c = current { fclose(c.handle); unlink(c.url.path) } }
        do {
            for try await chunk in request.body {
                for event in try reader.feed(chunk.readableBytesView) {
                    switch event {
                    case .part(let headers):
                        guard outcomes.count < 10_000 else {
                            throw DomainError(status: 413, code: "too_many_parts", zh: "一次最多上传 10000 个实例，请分批上传", en: "at most 10,000 instances per request")
                        }
                        let type = (headers["content-type"] ?? "application/dicom").split(separator: ";").first
                            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
                        if type != "application/dicom" {
                            skipping = "part of type \(type) is not application/dicom"
                            continue
                        }
                        skipping = nil
                        let url = try archive.storage.incomingFile()
                        guard let handle = fopen(url.path, "wb") else { throw ArchiveError.storage("cannot create \(url.lastPathComponent)") }
                        current = (url, handle)
                    case .body(let data):
                        guard let c = current else { continue }
                        let written = data.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, c.handle) }
                        if written != data.count { throw ArchiveError.storage("disk write failed") }
                    case .partEnd:
                        if let why = skipping {
                            outcomes.append(STOWService.refused(why))
                            skipping = nil
                        } else if let url = close() {
                            outcomes.append(await archive.stow.store(url, study: study, source: source))
                        } else {
                            outcomes.append(STOWService.refused("the part could not be written", reason: 0xA700))
                        }
                    }
                }
            }
            try reader.finish()
        } catch let failure as MultipartReader.Failure {
            throw DomainError(status: 400, code: "bad_multipart", zh: "上传内容不是有效的 multipart 格式", en: "malformed multipart body: \(failure)")
        }
        guard !outcomes.isEmpty else {
            throw DomainError(status: 400, code: "bad_multipart", zh: "上传内容中没有 DICOM 文件", en: "the body holds no parts")
        }
        return outcomes
    }
}

/// Remembers which studies each user viewed in the last few minutes.
final class ViewAuditThrottle: Sendable {
    let seen = Mutex<[String: ContinuousClock.Instant]>([:])
    let window: Duration = .seconds(600)

    /// True when this user's view of this study was recorded within the window; records it otherwise.
    func recentlyAudited(_ userID: Int, _ key: String) -> Bool {
        let now = ContinuousClock.now
        let id = "\(userID)|\(key)"
        return seen.withLock { seen in
            if let last = seen[id], now - last < window { return true }
            if seen.count > 50_000 { seen = seen.filter { now - $0.value < window } }
            seen[id] = now
            return false
        }
    }
}
