import DICOMCommands

DICOMCommand.main()
