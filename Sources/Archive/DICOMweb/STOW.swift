import DICOM
import Foundation
import Platform

/// STOW-RS (PS3.18 10.5): each `application/dicom` part of the upload is written to the incoming area as it
/// streams in, then goes through the same ingest pipeline as a C-STORE. The response says, per instance, stored or
/// why not.
public struct STOWService: Sendable {
    public let ingest: IngestService
    public var root = "/dicomweb"

    public init(ingest: IngestService) {
        self.ingest = ingest
    }

    /// One part's outcome.
    public struct Outcome: Sendable, Equatable {
        public var sopClassUID: String
        public var sopInstanceUID: String
        public var studyUID: String
        public var seriesUID: String
        /// nil when stored; else the DICOM failure reason (PS3.18 Table 10.5.3-2 / PS3.4 status codes).
        public var failureReason: UInt16?
        public var message: String
    }

    /// Files one uploaded part (a complete Part 10 file in the incoming area, which is consumed).
    public func store(_ file: URL, study: String?, source: IngestSource) async -> Outcome {
        do {
            let result = try await ingest.ingest(file, expectedStudyInstanceUID: study, source: source)
            return Outcome(sopClassUID: result.sopClassUID, sopInstanceUID: result.sopInstanceUID, studyUID: result.studyUID,
                           seriesUID: result.seriesUID, failureReason: nil, message: result.outcome.rawValue)
        } catch let error as IngestError {
            return Outcome(sopClassUID: error.sopClassUID, sopInstanceUID: error.sopInstanceUID, studyUID: "", seriesUID: "",
                           failureReason: error.status, message: error.message)
        } catch {
            return Outcome(sopClassUID: "", sopInstanceUID: "", studyUID: "", seriesUID: "", failureReason: 0xA700, message: "\(error)")
        }
    }

    /// A part that is not `application/dicom` (or could not be written) still gets a line in the response.
    public static func refused(_ why: String, reason: UInt16 = 0xC000) -> Outcome {
        Outcome(sopClassUID: "", sopInstanceUID: "", studyUID: "", seriesUID: "", failureReason: reason, message: why)
    }

    /// The response data set (PS3.18 10.5.3.2) and HTTP status: 200 all stored, 202 some failed, 409 none stored.
    public func response(_ outcomes: [Outcome], baseURL: String) -> (status: Int, body: DataSet) {
        var ds = DataSet()
        ds.characterSet = .utf8
        let stored = outcomes.filter { $0.failureReason == nil }
        let failed = outcomes.filter { $0.failureReason != nil }
        if let study = Set(stored.map(\.studyUID)).first, Set(stored.map(\.studyUID)).count == 1 {
            ds.set(Tag(0x0008, 0x1190), .UR, string: "\(baseURL)\(root)/studies/\(study)")
        }
        if !failed.isEmpty {
            let items = failed.map { o -> DataSet in
                var item = DataSet()
                item.set(Tag(0x0008, 0x1150), .UI, string: o.sopClassUID)
                item.set(Tag(0x0008, 0x1155), .UI, string: o.sopInstanceUID)
                item.set(Tag(0x0008, 0x1197), .US, ints: [Int(o.failureReason!)])
                return item
            }
            ds.set(Element(tag: Tag(0x0008, 0x1198), vr: .SQ, value: .sequence(items)))
        }
        if !stored.isEmpty {
            let items = stored.map { o -> DataSet in
                var item = DataSet()
                item.set(Tag(0x0008, 0x1150), .UI, string: o.sopClassUID)
                item.set(Tag(0x0008, 0x1155), .UI, string: o.sopInstanceUID)
                item.set(Tag(0x0008, 0x1190), .UR,
                         string: "\(baseURL)\(root)/studies/\(o.studyUID)/series/\(o.seriesUID)/instances/\(o.sopInstanceUID)")
                return item
            }
            ds.set(Element(tag: Tag(0x0008, 0x1199), vr: .SQ, value: .sequence(items)))
        }
        let status = failed.isEmpty ? 200 : stored.isEmpty ? 409 : 202
        return (status, ds)
    }
}
