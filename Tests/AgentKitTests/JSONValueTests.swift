import AgentKit
import Foundation
import Testing

@Suite("JSONValue")
struct JSONValueTests {
    @Test("round-trips, whole numbers stay whole, and malformed text is nil")
    func roundTrip() throws {
        let value = try #require(JSONValue(parsing: #"{"a":[1,2.5,true,null,"x"],"b":{"c":"d"}}"#))
        #expect(value.jsonText == #"{"a":[1,2.5,true,null,"x"],"b":{"c":"d"}}"#)
        #expect(value["b"]?["c"]?.stringValue == "d")
        #expect(JSONValue(parsing: #"{"a": "#) == nil)
        let literal: JSONValue = ["type": "object", "required": ["command"]]
        #expect(literal.jsonText == #"{"required":["command"],"type":"object"}"#)
    }
}
