// Checks the JSON bodies our forge clients send against the forge's own API description
// (OpenAPI 3 for GitHub, Swagger 2 for Gitea), so a misspelt field or a wrong type is caught
// by a test rather than by a 422 in production.
import Foundation

/// The request-body schemas of one OpenAPI 3 or Swagger 2 description.
public struct OpenAPIRequestCheck: @unchecked Sendable {  // immutable after init; JSON values are read only
    private let spec: [String: Any]
    /// Templates split into segments ("/repos/{owner}/{repo}/pulls" → ["repos", "{owner}", "{repo}", "pulls"]).
    private let templates: [(template: String, segments: [Substring])]

    public init(specPath: String) throws {
        guard let data = FileManager.default.contents(atPath: specPath) else {
            throw OpenAPICheckError(description: "cannot read \(specPath)")
        }
        guard let spec = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let paths = spec["paths"] as? [String: Any]
        else { throw OpenAPICheckError(description: "\(specPath) is not an OpenAPI description with paths") }
        self.spec = spec
        templates = paths.keys.sorted().map { ($0, $0.split(separator: "/")) }
    }

    /// Whether the description has an operation for `method` on the concrete `path` ("/repos/o/r/pulls").
    public func documents(method: String, path: String) -> Bool {
        operation(method: method, path: path) != nil
    }

    /// What is wrong with `body` as the request body of `method path`; empty when it conforms.
    /// Stricter than the schema in one way: a property the schema does not list is reported,
    /// since for a client that is a misspelling far more often than a deliberate extension.
    public func violations(method: String, path: String, body: [UInt8]) -> [String] {
        guard let operation = operation(method: method, path: path) else {
            return ["\(method) \(path): the description has no such operation"]
        }
        guard let schema = bodySchema(operation) else {
            return body.isEmpty ? [] : ["\(method) \(path): the operation takes no JSON body, but one was sent"]
        }
        guard !body.isEmpty else { return ["\(method) \(path): the operation takes a JSON body, but none was sent"] }
        guard let value = try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) else {
            return ["\(method) \(path): the body is not JSON"]
        }
        var found: [String] = []
        check(value, against: schema, at: "body", into: &found)
        return found.map { "\(method) \(path): \($0)" }
    }

    // MARK: Finding the operation

    private func operation(method: String, path: String) -> [String: Any]? {
        let concrete = path.split(separator: "?").first.map { $0.split(separator: "/") } ?? []
        let paths = spec["paths"] as? [String: Any] ?? [:]
        // Prefer the template with the most literal segments ("/pulls/comments" over "/pulls/{n}").
        let matches = templates.filter { candidate in
            candidate.segments.count == concrete.count
                && zip(candidate.segments, concrete).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
        }.sorted { literalCount($0.segments) > literalCount($1.segments) }
        for match in matches {
            if let item = paths[match.template] as? [String: Any], let operation = item[method.lowercased()] as? [String: Any] {
                return operation
            }
        }
        return nil
    }

    private func literalCount(_ segments: [Substring]) -> Int { segments.filter { !$0.hasPrefix("{") }.count }

    /// OpenAPI 3: `requestBody.content["application/json"].schema`; Swagger 2: the `in: body` parameter's schema.
    private func bodySchema(_ operation: [String: Any]) -> [String: Any]? {
        if let requestBody = operation["requestBody"] as? [String: Any] {
            let resolved = resolve(requestBody)
            let content = resolved["content"] as? [String: Any]
            let json = (content?["application/json"] ?? content?.first { $0.key.contains("json") }?.value) as? [String: Any]
            return (json?["schema"] as? [String: Any]).map(resolve)
        }
        for parameter in operation["parameters"] as? [Any] ?? [] {
            let parameter = resolve(parameter as? [String: Any] ?? [:])
            if parameter["in"] as? String == "body", let schema = parameter["schema"] as? [String: Any] {
                return resolve(schema)
            }
        }
        return nil
    }

    /// Follows `$ref: "#/components/schemas/X"` (or "#/definitions/X") until a real object.
    private func resolve(_ object: [String: Any]) -> [String: Any] {
        var current = object
        var hops = 0
        while let reference = current["$ref"] as? String, reference.hasPrefix("#/"), hops < 32 {
            hops += 1
            var node: Any = spec
            for key in reference.dropFirst(2).split(separator: "/") {
                let name = key.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
                guard let next = (node as? [String: Any])?[name] else { return [:] }
                node = next
            }
            current = node as? [String: Any] ?? [:]
        }
        return current
    }

    // MARK: Checking values

    private func check(_ value: Any, against rawSchema: [String: Any], at location: String, into found: inout [String]) {
        let schema = resolve(rawSchema)
        if let all = schema["allOf"] as? [[String: Any]] {
            all.forEach { check(value, against: $0, at: location, into: &found) }
        }
        for key in ["oneOf", "anyOf"] {
            if let options = schema[key] as? [[String: Any]], !options.isEmpty {
                let fits = options.contains { option in
                    var scratch: [String] = []
                    check(value, against: option, at: location, into: &scratch)
                    return scratch.isEmpty
                }
                if !fits { found.append("\(location) matches none of the \(key) alternatives") }
            }
        }
        if value is NSNull {
            if schema["nullable"] as? Bool != true && schema["x-nullable"] as? Bool != true && schema["type"] != nil {
                found.append("\(location) is null, which the schema does not allow")
            }
            return
        }
        if let type = schema["type"] as? String, !matches(value, type: type) {
            found.append("\(location) should be \(type), is \(describe(value))")
            return
        }
        if let allowed = schema["enum"] as? [Any], !allowed.contains(where: { "\($0)" == "\(value)" }) {
            found.append("\(location) is \"\(value)\", not one of \(allowed.map { "\($0)" })")
        }
        if let text = value as? String, let maxLength = schema["maxLength"] as? Int, text.count > maxLength {
            found.append("\(location) is \(text.count) characters, more than \(maxLength)")
        }
        if let list = value as? [Any], let items = schema["items"] as? [String: Any] {
            for (index, item) in list.enumerated() { check(item, against: items, at: "\(location)[\(index)]", into: &found) }
        }
        if let object = value as? [String: Any] {
            let properties = schema["properties"] as? [String: Any] ?? [:]
            for required in schema["required"] as? [String] ?? [] where object[required] == nil {
                found.append("\(location).\(required) is required but missing")
            }
            for (key, member) in object.sorted(by: { $0.key < $1.key }) {
                if let propertySchema = properties[key] as? [String: Any] {
                    check(member, against: propertySchema, at: "\(location).\(key)", into: &found)
                } else if let additional = schema["additionalProperties"] as? [String: Any] {
                    check(member, against: additional, at: "\(location).\(key)", into: &found)
                } else if !properties.isEmpty {
                    found.append("\(location).\(key) is not a property the API documents")
                }
            }
        }
    }

    private func matches(_ value: Any, type: String) -> Bool {
        switch type {
        case "object": return value is [String: Any]
        case "array": return value is [Any]
        case "string": return value is String
        case "boolean": return (value as? NSNumber).map(isBoolean) ?? false
        case "integer":
            guard let number = value as? NSNumber, !isBoolean(number) else { return false }
            return number.doubleValue.rounded() == number.doubleValue
        case "number": return (value as? NSNumber).map { !isBoolean($0) } ?? false
        default: return true
        }
    }

    private func isBoolean(_ number: NSNumber) -> Bool {
        // JSONSerialization gives true/false as __NSCFBoolean on Linux and macOS alike.
        String(describing: type(of: number)).contains("Boolean")
    }

    private func describe(_ value: Any) -> String {
        switch value {
        case is String: "a string"
        case let number as NSNumber: isBoolean(number) ? "a boolean" : "a number"
        case is [Any]: "an array"
        case is [String: Any]: "an object"
        default: "\(type(of: value))"
        }
    }
}

public struct OpenAPICheckError: Error, CustomStringConvertible {
    public var description: String
}
