import ArgumentParser
import DICOM
import Foundation

struct DICOMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dicom", abstract: "DICOM file tools.", subcommands: [Dump.self])

    struct Dump: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a file's elements (dcmdump-like), or print it as DICOM JSON (PS3.18).")
        @Flag(help: "Print the dataset as DICOM JSON.") var json = false
        @Flag(help: "With --json: include the file meta information as well.") var meta = false
        @Argument(help: "DICOM file") var file: String

        func run() throws {
            let dicom: DICOMFile
            do {
                dicom = try DICOMFile.read(contentsOf: URL(fileURLWithPath: file))
            } catch let error as DICOMError {
                FileHandle.standardError.write(Data("\(file): \(error)\n".utf8))
                throw ExitCode(2)
            }
            if json {
                var ds = dicom.dataset
                if meta { for e in dicom.meta.elements { ds.set(e) } }
                print(DICOMJSON.encode(ds))
            } else {
                print(DICOMDump.text(dicom), terminator: "")
            }
        }
    }
}
