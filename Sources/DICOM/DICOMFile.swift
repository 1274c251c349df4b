import Foundation

/// A Part 10 file (or a bare dataset read as one): preamble, file meta information, dataset and the syntax the
/// dataset was encoded in.
public struct DICOMFile: Sendable, Equatable {
    public var preamble: Data?
    public var meta: DataSet
    public var dataset: DataSet
    public var transferSyntax: TransferSyntax
    /// False when the input had no Part 10 header (a bare dataset).
    public var hadMetaHeader: Bool

    public init(preamble: Data? = nil, meta: DataSet = DataSet(), dataset: DataSet, transferSyntax: TransferSyntax, hadMetaHeader: Bool = true) {
        self.preamble = preamble
        self.meta = meta
        self.dataset = dataset
        self.transferSyntax = transferSyntax
        self.hadMetaHeader = hadMetaHeader
    }

    /// Reads a file, memory-mapped: bulk values stay slices of the mapping until used.
    public static func read(contentsOf url: URL) throws -> DICOMFile {
        try DICOMReader.read(try Data(contentsOf: url, options: .alwaysMapped))
    }

    public static func read(_ data: Data) throws -> DICOMFile { try DICOMReader.read(data) }
}
