import Foundation

/// Text from outside (issue bodies, comments, test output, repository files) as the model
/// sees it: fenced and labelled as data, so that instructions written inside it are read as
/// content to work on, never as orders (DESIGN.md §4). The fence cannot be closed from inside.
public enum UntrustedData {
    /// `<untrusted-data source="…">` … `</untrusted-data>`, with any fence tags inside the text
    /// neutralised so the data cannot end the block early and speak as the bot.
    public static func fence(_ text: String, source: String) -> String {
        let safeSource = source.replacingOccurrences(of: "\"", with: "'").replacingOccurrences(of: "\n", with: " ")
        let neutral = text
            .replacingOccurrences(of: "</untrusted-data", with: "</untrusted_data", options: .caseInsensitive)
            .replacingOccurrences(of: "<untrusted-data", with: "<untrusted_data", options: .caseInsensitive)
        return "<untrusted-data source=\"\(safeSource)\">\n\(neutral)\n</untrusted-data>"
    }
}
