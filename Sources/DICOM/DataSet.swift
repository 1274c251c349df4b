import Foundation

/// Pixel data in an encapsulated transfer syntax: the Basic Offset Table and the fragments, each a slice
/// of the source bytes (not copied).
public struct EncapsulatedPixelData: Sendable, Equatable {
    public var basicOffsetTable: [UInt32]
    public var fragments: [Data]
    public init(basicOffsetTable: [UInt32] = [], fragments: [Data]) {
        self.basicOffsetTable = basicOffsetTable
        self.fragments = fragments
    }
}

/// An element's value as it was encoded: bytes (decoded lazily by the typed accessors), items of a
/// sequence, or encapsulated pixel data.
public enum Value: Sendable, Equatable {
    case bytes(Data)
    case sequence([DataSet])
    case encapsulated(EncapsulatedPixelData)
}

public struct Element: Sendable, Equatable {
    public let tag: Tag
    public var vr: VR
    public var value: Value
    /// Whether a sequence (or an encapsulated pixel data element) was encoded with undefined length; kept so
    /// that rewriting in the same syntax reproduces the input.
    public var undefinedLength: Bool

    public init(tag: Tag, vr: VR, value: Value, undefinedLength: Bool = false) {
        self.tag = tag
        self.vr = vr
        self.value = value
        self.undefinedLength = undefinedLength
    }

    public var bytes: Data? { if case .bytes(let d) = value { return d } else { return nil } }
    public var items: [DataSet]? { if case .sequence(let s) = value { return s } else { return nil } }
    public var length: Int {
        switch value {
        case .bytes(let d): d.count
        case .sequence, .encapsulated: -1
        }
    }
}

/// A dataset: data elements sorted by tag, with the byte order and character set needed to interpret
/// their raw values. Items of sequences are datasets too.
public struct DataSet: Sendable, Equatable {
    public private(set) var elements: [Element] = []
    /// Byte order of the binary values held (as read); values are converted only when written.
    public var littleEndian: Bool = true
    /// Whether this item was encoded with undefined length (items of sequences only).
    public var undefinedLength: Bool = false
    /// Specific Character Set in force (inherited by items from their parent when they carry none).
    public var characterSet: SpecificCharacterSet = .default

    public init() {}

    public var isEmpty: Bool { elements.isEmpty }
    public var count: Int { elements.count }
    public var tags: [Tag] { elements.map(\.tag) }

    func index(of tag: Tag) -> (found: Bool, index: Int) {
        var lo = 0, hi = elements.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if elements[mid].tag < tag { lo = mid + 1 } else { hi = mid }
        }
        return (lo < elements.count && elements[lo].tag == tag, lo)
    }

    public subscript(tag: Tag) -> Element? {
        let (found, i) = index(of: tag)
        return found ? elements[i] : nil
    }

    public func contains(_ tag: Tag) -> Bool { index(of: tag).found }

    /// Inserts or replaces an element. Appending in tag order (as parsing does) costs O(1).
    public mutating func set(_ element: Element) {
        if let last = elements.last, last.tag >= element.tag {
            let (found, i) = index(of: element.tag)
            if found { elements[i] = element } else { elements.insert(element, at: i) }
        } else {
            elements.append(element)
        }
        if element.tag == .specificCharacterSet, let values = strings(.specificCharacterSet) {
            characterSet = SpecificCharacterSet(terms: values)
        }
    }

    @discardableResult
    public mutating func remove(_ tag: Tag) -> Element? {
        let (found, i) = index(of: tag)
        return found ? elements.remove(at: i) : nil
    }

    /// Drops elements for which `keep` is false (e.g. group lengths before rewriting).
    public mutating func filter(_ keep: (Element) -> Bool) { elements.removeAll { !keep($0) } }

    /// Appends without ordering checks; the reader uses it and sorts once if input was out of order.
    mutating func appendUnchecked(_ element: Element) { elements.append(element) }
    mutating func sortIfNeeded() {
        for i in 1..<max(1, elements.count) where elements[i - 1].tag >= elements[i].tag {
            elements.sort { $0.tag < $1.tag }
            // Keep the last of duplicated tags, as later values override earlier ones.
            var unique: [Element] = []
            for e in elements { if unique.last?.tag == e.tag { unique[unique.count - 1] = e } else { unique.append(e) } }
            elements = unique
            return
        }
    }
}
