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

@Suite("JSONValue text")
struct JSONValueTextTests {
    @Test("the parser follows RFC 8259: escapes, surrogate pairs, numbers; and refuses what is not JSON")
    func strictParsing() throws {
        let escaped = #""a\"b\\c\/d\n\u00e9\ud83d\ude00""#
        #expect(JSONValue(parsing: escaped) == .string("a\"b\\c/d\né\u{1F600}"))
        #expect(JSONValue(parsing: "[-0, 1e3, 2.5E-1, -12]") == .array([.number(0), .number(1000), .number(0.25), .number(-12)]))
        #expect(JSONValue(parsing: #" {"a" : { "b" : [ ] } } "#) == .object(["a": .object(["b": .array([])])]))
        let bad = ["", "{", "[1,]", #"{"a":1,}"#, "01", "1.", ".5", "+1", "tru", #""\u12""#, "\"a\u{0}\"", "[1] x",
                   "\"tab\there\"", "{'a':1}", "NaN", String(repeating: "[", count: 600) + String(repeating: "]", count: 600)]
        for text in bad {
            #expect(JSONValue(parsing: text) == nil, "\(text.prefix(20))")
        }
        #expect(JSONValue(parsing: #""\u0001""#)?.jsonText == #""\u0001""#)
        #expect(JSONValue(parsing: #"{"k":"line\nnext"}"#)?.jsonText == #"{"k":"line\nnext"}"#)
        // Whatever Codable makes of a value, the fast writer makes the same text, and it reads back.
        let value = try #require(JSONValue(parsing: #"{"z":[1,2.5,"x\ty",{"q":null}],"a":true}"#))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        #expect(String(decoding: try encoder.encode(value), as: UTF8.self) == value.jsonText)
        #expect(try JSONDecoder().decode(JSONValue.self, from: value.jsonData) == value)
        #expect(JSONValue(data: value.jsonData) == value)
    }
}
