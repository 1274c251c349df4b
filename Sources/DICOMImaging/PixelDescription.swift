import DICOM
import Foundation

/// The Image Pixel module attributes that say how to interpret pixel bytes.
public struct PixelDescription: Sendable, Equatable {
    public var rows: Int
    public var columns: Int
    public var samplesPerPixel: Int
    public var bitsAllocated: Int
    public var bitsStored: Int
    public var highBit: Int
    public var pixelRepresentation: Int
    public var photometricInterpretation: String
    public var planarConfiguration: Int
    public var numberOfFrames: Int

    public init(rows: Int, columns: Int, samplesPerPixel: Int = 1, bitsAllocated: Int = 16, bitsStored: Int? = nil, highBit: Int? = nil,
                pixelRepresentation: Int = 0, photometricInterpretation: String = "MONOCHROME2", planarConfiguration: Int = 0,
                numberOfFrames: Int = 1) {
        self.rows = rows
        self.columns = columns
        self.samplesPerPixel = samplesPerPixel
        self.bitsAllocated = bitsAllocated
        self.bitsStored = bitsStored ?? bitsAllocated
        self.highBit = highBit ?? ((bitsStored ?? bitsAllocated) - 1)
        self.pixelRepresentation = pixelRepresentation
        self.photometricInterpretation = photometricInterpretation
        self.planarConfiguration = planarConfiguration
        self.numberOfFrames = numberOfFrames
    }

    public init(_ ds: DataSet) throws {
        guard let rows = ds.int(.rows), let columns = ds.int(.columns), rows > 0, columns > 0 else {
            throw PixelError.missingAttribute("Rows/Columns")
        }
        let bits = ds.int(.bitsAllocated) ?? 8
        guard [1, 8, 16, 32, 64].contains(bits) else { throw PixelError.unsupported("Bits Allocated \(bits)") }
        let samples = ds.int(.samplesPerPixel) ?? 1
        guard (1...4).contains(samples) else { throw PixelError.unsupported("Samples per Pixel \(samples)") }
        self.init(rows: rows, columns: columns, samplesPerPixel: samples, bitsAllocated: bits, bitsStored: ds.int(.bitsStored) ?? bits,
                  highBit: ds.int(.highBit), pixelRepresentation: ds.int(.pixelRepresentation) ?? 0,
                  photometricInterpretation: ds.string(.photometricInterpretation) ?? (samples == 3 ? "RGB" : "MONOCHROME2"),
                  planarConfiguration: ds.int(.planarConfiguration) ?? 0, numberOfFrames: max(1, ds.int(.numberOfFrames) ?? 1))
    }

    public var bytesPerSample: Int { max(1, bitsAllocated / 8) }
    /// Bytes of one native frame (bit-packed for Bits Allocated 1).
    public var frameLength: Int {
        if bitsAllocated == 1 { return (rows * columns * samplesPerPixel + 7) / 8 }
        if photometricInterpretation == "YBR_FULL_422" && samplesPerPixel == 3 {
            return rows * ((columns + 1) / 2) * 4 * bytesPerSample  // two lumas share one Cb and one Cr
        }
        return rows * columns * samplesPerPixel * bytesPerSample
    }
}

public enum PixelError: Error, Equatable, Sendable, CustomStringConvertible {
    case missingAttribute(String)
    case unsupported(String)
    case noPixelData
    case frameOutOfRange(Int, count: Int)
    case corrupt(String)
    case codecFailed(String)

    public var description: String {
        switch self {
        case .missingAttribute(let a): "missing pixel attribute \(a)"
        case .unsupported(let s): "unsupported: \(s)"
        case .noPixelData: "the dataset has no pixel data"
        case .frameOutOfRange(let i, let n): "frame \(i) out of range (\(n) frames)"
        case .corrupt(let s): "corrupt pixel data: \(s)"
        case .codecFailed(let s): "codec failed: \(s)"
        }
    }
}
