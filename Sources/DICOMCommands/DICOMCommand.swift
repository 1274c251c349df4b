import ArgumentParser
import DICOM
import DICOMImaging
import Foundation

public struct DICOMCommand: ParsableCommand {
    public init() {}
    public static let configuration = CommandConfiguration(
        commandName: "dicom", abstract: "DICOM file tools.", subcommands: [Dump.self, Transcode.self, Modify.self, Render.self])

    struct Dump: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List files' elements (dcmdump-like), or print them as DICOM JSON (PS3.18).")
        @Flag(help: "Print the dataset as DICOM JSON.") var json = false
        @Flag(help: "With --json: include the file meta information as well.") var meta = false
        @Option(help: "Print only this element (keyword or gggg,eeee), like dcmdump +P") var search: String?
        @Argument(help: "DICOM files") var files: [String]

        func run() throws {
            var failed = false
            var searchTag: Tag?
            if let search {
                let parts = search.split(separator: ",")
                if parts.count == 2, let g = UInt16(parts[0], radix: 16), let e = UInt16(parts[1], radix: 16) {
                    searchTag = Tag(g, e)
                } else if let tag = DataDictionary.tag(forKeyword: search) {
                    searchTag = tag
                } else {
                    throw ValidationError("unknown keyword \(search)")
                }
            }
            for file in files {
                let dicom: DICOMFile
                do {
                    dicom = try DICOMFile.read(contentsOf: URL(fileURLWithPath: file))
                } catch let error as DICOMError {
                    FileHandle.standardError.write(Data("\(file): \(error)\n".utf8))
                    failed = true
                    continue
                }
                if let searchTag {
                    if let e = dicom.dataset[searchTag] ?? dicom.meta[searchTag] {
                        print("\(e.tag) \(e.vr.rawValue) [\(dicom.dataset.string(e.tag) ?? dicom.meta.string(e.tag) ?? "")]")
                    }
                } else if json {
                    var ds = dicom.dataset
                    if meta { for e in dicom.meta.elements { ds.set(e) } }
                    print(DICOMJSON.encode(ds))
                } else {
                    print(DICOMDump.text(dicom), terminator: "")
                }
            }
            if failed { throw ExitCode(2) }
        }
    }

    static func load(_ path: String) throws -> DICOMFile {
        do {
            return try DICOMFile.read(contentsOf: URL(fileURLWithPath: path))
        } catch let error as DICOMError {
            FileHandle.standardError.write(Data("\(path): \(error)\n".utf8))
            throw ExitCode(2)
        }
    }

    static func syntax(named name: String) throws -> TransferSyntax {
        let aliases: [String: TransferSyntax] = [
            "implicit": .implicitVRLittleEndian, "explicit": .explicitVRLittleEndian, "big": .explicitVRBigEndian,
            "deflated": .deflatedExplicitVRLittleEndian, "rle": .rleLossless, "jpegls": .jpegLSLossless, "j2k": .jpeg2000Lossless,
            "jpeg-lossless": .jpegLosslessSV1, "jpeg": .jpegBaseline,
        ]
        if let s = aliases[name.lowercased()] { return s }
        if let s = TransferSyntax.known.first(where: { $0.uid == name }) { return s }
        throw ValidationError("unknown transfer syntax \(name); use implicit, explicit, big, deflated or a UID")
    }

    struct Transcode: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Rewrite a file in another transfer syntax.")
        @Option(help: "implicit, explicit, big, deflated, rle, jpegls, j2k, jpeg-lossless, jpeg (lossy), or a transfer syntax UID") var to: String
        @Argument var input: String
        @Argument var output: String

        func run() throws {
            let source = try DICOMCommand.load(input)
            let target = try DICOMCommand.syntax(named: to)
            var file: DICOMFile
            do {
                file = try PixelCodecs.transcode(source, to: target)
            } catch let error as PixelError {
                FileHandle.standardError.write(Data("\(input): \(error)\n".utf8))
                throw ExitCode(3)
            }
            file.meta.set(.implementationClassUID, .UI, string: DICOMWriter.implementationClassUID)
            file.meta.set(.implementationVersionName, .SH, string: DICOMWriter.implementationVersionName)
            try DICOMWriter.write(file, syntax: target, to: URL(fileURLWithPath: output))
        }
    }

    struct Modify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set string attributes (by keyword) and write a copy, like DCMTK's dcmodify.",
            discussion: "Example: yunying dicom modify in.dcm out.dcm --charset GB18030 --set PatientName='Zhang^San=张^三'")
        @Option(help: "Set Specific Character Set first (e.g. ISO_IR 192, GB18030, GBK, \\ISO 2022 IR 58)") var charset: String?
        @Option(name: .customLong("set"), help: "Keyword=Value; repeatable") var assignments: [String] = []
        @Argument var input: String
        @Argument var output: String

        func run() throws {
            var file = try DICOMCommand.load(input)
            if let charset {
                let terms = charset.split(separator: "\\", omittingEmptySubsequences: false).map(String.init)
                // Re-encode existing text in the new character set before switching.
                let old = file.dataset
                file.dataset.characterSet = SpecificCharacterSet(terms: terms)
                file.dataset.set(.specificCharacterSet, .CS, strings: terms)
                for e in old.elements where e.vr.usesSpecificCharacterSet && e.bytes != nil {
                    if let text = old.string(e.tag) { file.dataset.set(e.tag, e.vr, string: text) }
                }
            }
            for assignment in assignments {
                guard let eq = assignment.firstIndex(of: "=") else { throw ValidationError("expected Keyword=Value: \(assignment)") }
                let keyword = String(assignment[..<eq])
                guard let entry = DataDictionary.entry(forKeyword: keyword), entry.vr.isString else {
                    throw ValidationError("\(keyword) is not a string attribute of the dictionary")
                }
                file.dataset.set(entry.tag, entry.vr, string: String(assignment[assignment.index(after: eq)...]))
            }
            try DICOMWriter.write(file, to: URL(fileURLWithPath: output))
        }
    }

    struct Render: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Render a frame to PNG or JPEG (by the output's extension).")
        @Option(help: "Window centre,width (default: the dataset's first window, else the VOI LUT, else min–max)") var window: String?
        @Option(help: "Frame number, from 1") var frame: Int = 1
        @Flag(help: "Burn overlay planes (60xx) into the image") var overlays = false
        @Argument var input: String
        @Argument var output: String

        func run() throws {
            let file = try DICOMCommand.load(input)
            var options = RenderOptions(frame: frame - 1, burnInOverlays: overlays)
            if let window {
                let parts = window.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
                guard parts.count == 2, parts[1] >= 1 else { throw ValidationError("--window takes centre,width, e.g. 40,400") }
                options.window = Window(center: parts[0], width: parts[1])
            }
            do {
                let image = try Renderer.render(file, options: options)
                let lower = output.lowercased()
                let data = lower.hasSuffix(".jpg") || lower.hasSuffix(".jpeg") ? try image.jpeg() : try image.png()
                try data.write(to: URL(fileURLWithPath: output))
            } catch let error as PixelError {
                FileHandle.standardError.write(Data("\(input): \(error)\n".utf8))
                throw ExitCode(3)
            }
        }
    }
}
