/// A malformed or unsupported input, with the byte offset where reading stopped.
public enum DICOMError: Error, Equatable, Sendable, CustomStringConvertible {
    case truncated(offset: Int, needed: Int, available: Int)
    case lengthExceedsData(offset: Int, tag: Tag, length: Int, available: Int)
    case invalidVR(offset: Int, tag: Tag)
    case unexpectedTag(offset: Int, tag: Tag, expected: String)
    case undefinedLengthNotAllowed(offset: Int, tag: Tag)
    case nestingTooDeep(offset: Int)
    case inflateFailed(offset: Int, reason: String)
    case notDICOM(reason: String)

    public var offset: Int? {
        switch self {
        case .truncated(let o, _, _), .lengthExceedsData(let o, _, _, _), .invalidVR(let o, _), .unexpectedTag(let o, _, _),
            .undefinedLengthNotAllowed(let o, _), .nestingTooDeep(let o), .inflateFailed(let o, _):
            o
        case .notDICOM: nil
        }
    }

    public var description: String {
        switch self {
        case .truncated(let o, let n, let a): "truncated at offset \(o): need \(n) bytes, \(a) left"
        case .lengthExceedsData(let o, let t, let l, let a): "element \(t) at offset \(o) declares \(l) bytes but only \(a) remain"
        case .invalidVR(let o, let t): "element \(t) at offset \(o) has an invalid VR"
        case .unexpectedTag(let o, let t, let e): "unexpected \(t) at offset \(o), expected \(e)"
        case .undefinedLengthNotAllowed(let o, let t): "element \(t) at offset \(o) has undefined length but is not a sequence"
        case .nestingTooDeep(let o): "sequences nested too deeply at offset \(o)"
        case .inflateFailed(let o, let r): "deflated data at offset \(o) cannot be inflated: \(r)"
        case .notDICOM(let r): "not a DICOM file: \(r)"
        }
    }
}
