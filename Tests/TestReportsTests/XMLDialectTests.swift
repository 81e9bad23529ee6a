import Foundation
import Testing
@testable import TestReports
import CodexBotTestSupport

@Suite("NUnit, xUnit.net and TRX reports")
struct XMLDialectTests {
    // MARK: NUnit

    @Test func nunit3FailuresErrorsSkipsAndSuiteTeardown() async throws {
        try await withTemporaryDirectory("nunit3") { dir in
            let path = try writeReport(dir, "TestResult.xml", """
            <?xml version="1.0" encoding="utf-8" standalone="no"?>
            <test-run id="0" runstate="Runnable" testcasecount="9" result="Failed" total="9" passed="3" failed="4" warnings="1" inconclusive="1" skipped="1" engine-version="3.16.3.0">
              <command-line><![CDATA[nunit3-console Calc.Tests.dll]]></command-line>
              <test-suite type="Assembly" id="0-1010" name="Calc.Tests.dll" fullname="/src/Calc.Tests/bin/Debug/net8.0/Calc.Tests.dll" runstate="Runnable" result="Failed" site="Child" total="9">
                <failure><message><![CDATA[One or more child tests had errors]]></message></failure>
                <test-suite type="TestSuite" id="0-1011" name="Calc" fullname="Calc" runstate="Runnable" result="Failed" site="Child">
                  <test-suite type="TestFixture" id="0-1000" name="MathTests" fullname="Calc.Tests.MathTests" classname="Calc.Tests.MathTests" runstate="Runnable" result="Failed" site="Child">
                    <test-case id="0-1001" name="Adds" fullname="Calc.Tests.MathTests.Adds" methodname="Adds" classname="Calc.Tests.MathTests" runstate="Runnable" result="Passed" duration="0.01" asserts="1" />
                    <test-case id="0-1002" name="Divides" fullname="Calc.Tests.MathTests.Divides" methodname="Divides" classname="Calc.Tests.MathTests" runstate="Runnable" result="Failed" duration="0.02" asserts="1">
                      <failure>
                        <message><![CDATA[  Expected: 2
              But was:  3
            ]]></message>
                        <stack-trace><![CDATA[   at Calc.Math.Divide(Int32 a, Int32 b) in /src/Calc/Math.cs:line 12
               at Calc.Tests.MathTests.Divides() in /src/Calc.Tests/MathTests.cs:line 42
            ]]></stack-trace>
                      </failure>
                      <output><![CDATA[dividing 6 by 2
            ]]></output>
                      <assertions><assertion result="Failed"><message><![CDATA[not this one]]></message></assertion></assertions>
                    </test-case>
                    <test-case id="0-1003" name="Parses" fullname="Calc.Tests.MathTests.Parses" methodname="Parses" classname="Calc.Tests.MathTests" result="Failed" label="Error">
                      <failure>
                        <message><![CDATA[System.FormatException : Input string was not in a correct format.]]></message>
                        <stack-trace><![CDATA[   at System.Number.ThrowFormatException()
               at Calc.Tests.MathTests.Parses() in C:\\src\\Calc.Tests\\MathTests.cs:line 57]]></stack-trace>
                      </failure>
                    </test-case>
                    <test-case id="0-1004" name="Later" fullname="Calc.Tests.MathTests.Later" methodname="Later" classname="Calc.Tests.MathTests" runstate="Ignored" result="Skipped" label="Ignored">
                      <properties><property name="_SKIPREASON" value="not yet" /></properties>
                      <reason><message><![CDATA[not yet]]></message></reason>
                    </test-case>
                    <test-case id="0-1005" name="Maybe" fullname="Calc.Tests.MathTests.Maybe" methodname="Maybe" classname="Calc.Tests.MathTests" result="Inconclusive">
                      <reason><message><![CDATA[no data]]></message></reason>
                    </test-case>
                    <test-case id="0-1006" name="Warns" fullname="Calc.Tests.MathTests.Warns" methodname="Warns" classname="Calc.Tests.MathTests" result="Warning">
                      <reason><message><![CDATA[careful]]></message></reason>
                    </test-case>
                    <test-case id="0-1007" name="NeedsArgs" fullname="Calc.Tests.MathTests.NeedsArgs" methodname="NeedsArgs" classname="Calc.Tests.MathTests" runstate="NotRunnable" result="Failed" label="Invalid">
                      <reason><message><![CDATA[No arguments were provided]]></message></reason>
                    </test-case>
                    <test-suite type="ParameterizedMethod" id="0-1009" name="IsEven" fullname="Calc.Tests.MathTests.IsEven" classname="Calc.Tests.MathTests" result="Failed" site="Child">
                      <test-case id="0-1012" name="IsEven(2)" fullname="Calc.Tests.MathTests.IsEven(2)" methodname="IsEven" classname="Calc.Tests.MathTests" result="Passed" />
                      <test-case id="0-1013" name="IsEven(3)" fullname="Calc.Tests.MathTests.IsEven(3)" methodname="IsEven" classname="Calc.Tests.MathTests" result="Failed">
                        <failure>
                          <message><![CDATA[  Expected: True
              But was:  False
            ]]></message>
                          <stack-trace><![CDATA[   at Calc.Tests.MathTests.IsEven(Int32 n) in /src/Calc.Tests/MathTests.cs:line 63]]></stack-trace>
                        </failure>
                      </test-case>
                    </test-suite>
                  </test-suite>
                  <test-suite type="TestFixture" id="0-1020" name="DbTests" fullname="Calc.Tests.DbTests" classname="Calc.Tests.DbTests" result="Failed" label="Error" site="TearDown">
                    <failure><message><![CDATA[TearDown : System.IO.IOException : database locked]]></message></failure>
                  </test-suite>
                </test-suite>
              </test-suite>
            </test-run>
            """)
            let run = try Reports.read(path)
            #expect(run.sources == [TestRun.Source(path: path, format: .nunit)])
            #expect(run.totals == Totals(tests: 9, passed: 3, failed: 2, errored: 2, skipped: 2))
            #expect(run.failures.map(\.id) == ["Calc.Tests.MathTests::Divides", "Calc.Tests.MathTests::Parses",
                                               "Calc.Tests.MathTests::NeedsArgs", "Calc.Tests.MathTests::IsEven(3)"])
            #expect(run.failures.map(\.outcome) == [.failed, .errored, .errored, .failed])
            #expect(run.failures.allSatisfy { $0.framework == .dotnet })

            let divides = run.failures[0]
            #expect(divides.suite == "Calc.Tests.MathTests")
            #expect(divides.name == "Divides")
            #expect(divides.message == "Expected: 2\n  But was:  3")
            // The test method's own frame, not the first one (in the code under test).
            #expect(divides.file == "/src/Calc.Tests/MathTests.cs")
            #expect(divides.line == 42)
            #expect(divides.details.hasPrefix("at Calc.Math.Divide(Int32 a, Int32 b) in /src/Calc/Math.cs:line 12"))
            #expect(divides.details.hasSuffix("Output:\ndividing 6 by 2"))
            #expect(!divides.details.contains("not this one"))

            let parses = run.failures[1]
            #expect(parses.message == "System.FormatException : Input string was not in a correct format.")
            #expect(parses.file == "C:\\src\\Calc.Tests\\MathTests.cs")
            #expect(parses.line == 57)

            // Not runnable: no <failure>, the reason says why.
            #expect(run.failures[2].message == "No arguments were provided")
            #expect(run.failures[2].file == nil)
            #expect(run.failures[3].name == "IsEven(3)")
            #expect(run.failures[3].line == 63)

            #expect(run.warnings.contains { $0.contains("1 test(s) passed with warnings") })
            #expect(run.warnings.contains { $0.contains("Calc.Tests.DbTests") && $0.contains("database locked") })
            #expect(!run.warnings.contains { $0.contains("One or more child tests had errors") })
        }
    }

    @Test func nunit2QualifiedNamesMonoStacksAndOldStyleAttributes() async throws {
        try await withTemporaryDirectory("nunit2") { dir in
            let path = try writeReport(dir, "TestResult.xml", """
            <?xml version="1.0" encoding="utf-8" standalone="no"?>
            <!--This file represents the results of running a test suite-->
            <test-results name="/build/Shop.Tests.dll" total="7" errors="1" failures="2" not-run="2" inconclusive="0" ignored="1" skipped="0" invalid="1" date="2012-03-01" time="10:00:00">
              <environment nunit-version="2.6.3.0" clr-version="4.0.30319.42000" os-version="Unix 5.4.0.0" platform="Unix" cwd="/build" machine-name="ci" user="ci" user-domain="ci" />
              <culture-info current-culture="en-US" current-uiculture="en-US" />
              <test-suite type="Assembly" name="/build/Shop.Tests.dll" executed="True" result="Failure" success="False" time="0.5" asserts="0">
                <results>
                  <test-suite type="Namespace" name="Shop" executed="True" result="Failure" success="False" time="0.5" asserts="0">
                    <results>
                      <test-suite type="TestFixture" name="CartTests" executed="True" result="Failure" success="False" time="0.4" asserts="0">
                        <results>
                          <test-case name="Shop.CartTests.AddsItem" executed="True" result="Success" success="True" time="0.01" asserts="1" />
                          <test-case name="Shop.CartTests.Totals" executed="True" result="Failure" success="False" time="0.02" asserts="1">
                            <failure>
                              <message><![CDATA[  Expected: 10m
              But was:  12m
            ]]></message>
                              <stack-trace><![CDATA[at Shop.CartTests.Totals () [0x00000] in /build/src/Shop.Tests/CartTests.cs:31
            ]]></stack-trace>
                            </failure>
                          </test-case>
                          <test-case name="Shop.CartTests.Checkout" executed="True" result="Error" success="False" time="0.03" asserts="0">
                            <failure>
                              <message><![CDATA[System.NullReferenceException : Object reference not set to an instance of an object]]></message>
                              <stack-trace><![CDATA[at Shop.Cart.Checkout () [0x00012] in /build/src/Shop/Cart.cs:88
            at Shop.CartTests.Checkout () [0x00001] in /build/src/Shop.Tests/CartTests.cs:45
            ]]></stack-trace>
                            </failure>
                          </test-case>
                          <test-case name="Shop.CartTests.Discount(&quot;10.5&quot;,2)" executed="True" success="False" time="0.01">
                            <failure><message>off by one</message></failure>
                          </test-case>
                          <test-case name="Shop.CartTests.Refund" executed="False" result="Ignored">
                            <reason><message><![CDATA[flaky]]></message></reason>
                          </test-case>
                          <test-case name="Shop.CartTests.Private" executed="False" result="NotRunnable">
                            <reason><message><![CDATA[Method is not public]]></message></reason>
                          </test-case>
                          <test-case name="Standalone" executed="True" time="0.001" />
                        </results>
                      </test-suite>
                    </results>
                  </test-suite>
                </results>
              </test-suite>
            </test-results>
            """)
            let run = try Reports.read(path)
            #expect(run.sources.map(\.format) == [.nunit])
            #expect(run.totals == Totals(tests: 7, passed: 2, failed: 2, errored: 1, skipped: 2))
            #expect(run.failures.map(\.id) == ["Shop.CartTests::Totals", "Shop.CartTests::Checkout",
                                               "Shop.CartTests::Discount(\"10.5\",2)"])
            #expect(run.failures.map(\.outcome) == [.failed, .errored, .failed])
            #expect(run.failures[0].message == "Expected: 10m\n  But was:  12m")
            #expect(run.failures[0].file == "/build/src/Shop.Tests/CartTests.cs")
            #expect(run.failures[0].line == 31)
            #expect(run.failures[1].file == "/build/src/Shop.Tests/CartTests.cs")
            #expect(run.failures[1].line == 45)
            #expect(run.failures[2].message == "off by one")
            #expect(run.failures[2].file == nil)
            #expect(run.warnings.isEmpty)
        }
    }

    // MARK: xUnit.net

    @Test func xunitV2TheoryOutputSkipAndCleanupError() async throws {
        try await withTemporaryDirectory("xunit2") { dir in
            let path = try writeReport(dir, "results.xml", """
            <?xml version="1.0" encoding="utf-8"?>
            <assemblies timestamp="11/21/2026 10:00:00">
              <assembly name="/src/Calc.Tests/bin/Debug/net8.0/Calc.Tests.dll" run-date="2026-11-21" run-time="10:00:00" config-file="" total="5" passed="2" failed="2" skipped="1" time="0.120" errors="1" environment="64-bit .NET 8.0.0 [collection-per-class, parallel (8 threads)]" test-framework="xUnit.net 2.6.2.0">
                <errors>
                  <error type="test-class-cleanup" name="Calc.Tests.DbTests">
                    <failure exception-type="System.IO.IOException">
                      <message><![CDATA[System.IO.IOException : database locked]]></message>
                      <stack-trace><![CDATA[   at Calc.Tests.DbTests.Dispose() in /src/Calc.Tests/DbTests.cs:line 20]]></stack-trace>
                    </failure>
                  </error>
                </errors>
                <collection total="5" passed="2" failed="2" skipped="1" name="Test collection for Calc.Tests.MathTests" time="0.100">
                  <test name="Calc.Tests.MathTests.IsEven(value: 2)" type="Calc.Tests.MathTests" method="IsEven" time="0.001" result="Pass">
                    <traits><trait name="Category" value="fast" /></traits>
                  </test>
                  <test name="Calc.Tests.MathTests.IsEven(value: 3)" type="Calc.Tests.MathTests" method="IsEven" time="0.002" result="Fail">
                    <failure exception-type="Xunit.Sdk.TrueException">
                      <message><![CDATA[Assert.True() Failure
            Expected: True
            Actual:   False]]></message>
                      <stack-trace><![CDATA[   at Calc.Tests.MathTests.IsEven(Int32 value) in /src/Calc.Tests/MathTests.cs:line 25]]></stack-trace>
                    </failure>
                    <output><![CDATA[checking 3
            ]]></output>
                  </test>
                  <test name="Calc.Tests.MathTests.Adds" type="Calc.Tests.MathTests" method="Adds" time="0.001" result="Pass" />
                  <test name="Adding two numbers gives their sum" type="Calc.Tests.MathTests" method="Sums" time="0.004" result="Fail">
                    <failure exception-type="System.InvalidOperationException">
                      <message>System.InvalidOperationException : nope &amp; never</message>
                      <stack-trace>   at Calc.Adder.Add() in /src/Calc/Adder.cs:line 7
               at Calc.Tests.MathTests.Sums() in /src/Calc.Tests/MathTests.cs:line 31</stack-trace>
                    </failure>
                  </test>
                  <test name="Calc.Tests.MathTests.Later" type="Calc.Tests.MathTests" method="Later" time="0" result="Skip">
                    <reason><![CDATA[not yet]]></reason>
                  </test>
                </collection>
              </assembly>
            </assemblies>
            """)
            let run = try Reports.read(path)
            #expect(run.sources.map(\.format) == [.xunit])
            #expect(run.totals == Totals(tests: 6, passed: 2, failed: 2, errored: 1, skipped: 1))
            #expect(run.failures.map(\.id) == ["Calc.Tests.DbTests::(test-class-cleanup)",
                                               "Calc.Tests.MathTests::IsEven(value: 3)",
                                               "Calc.Tests.MathTests::Adding two numbers gives their sum"])
            #expect(run.failures.map(\.outcome) == [.errored, .failed, .failed])
            let cleanup = run.failures[0]
            #expect(cleanup.message == "System.IO.IOException : database locked")
            #expect(cleanup.file == "/src/Calc.Tests/DbTests.cs")
            #expect(cleanup.line == 20)
            let theory = run.failures[1]
            #expect(theory.suite == "Calc.Tests.MathTests")
            #expect(theory.name == "IsEven(value: 3)")
            #expect(theory.message == "Assert.True() Failure\nExpected: True\nActual:   False")
            #expect(theory.file == "/src/Calc.Tests/MathTests.cs")
            #expect(theory.line == 25)
            #expect(theory.details == "at Calc.Tests.MathTests.IsEven(Int32 value) in /src/Calc.Tests/MathTests.cs:line 25\n\nOutput:\nchecking 3")
            #expect(theory.framework == .dotnet)
            let sums = run.failures[2]
            #expect(sums.message == "System.InvalidOperationException : nope & never")
            #expect(sums.line == 31)
            #expect(run.warnings.isEmpty)
        }
    }

    @Test func xunitV1ClassesAndTestsWithoutAttributes() async throws {
        try await withTemporaryDirectory("xunit1") { dir in
            let path = try writeReport(dir, "xunit1.xml", """
            <?xml version="1.0" encoding="utf-8"?>
            <assembly name="C:\\build\\Legacy.Tests.dll" run-date="2013-05-01" run-time="09:00:00" configFile="C:\\build\\Legacy.Tests.dll.config" time="0.5" total="4" passed="1" failed="2" skipped="1" environment="32-bit .NET 4.0.30319.18052" test-framework="xUnit.net 1.9.2.1705">
              <class time="0.4" name="Legacy.Tests.ParserTests" total="4" passed="1" failed="2" skipped="1">
                <test name="Legacy.Tests.ParserTests.ParsesEmpty" type="Legacy.Tests.ParserTests" method="ParsesEmpty" result="Pass" time="0.01" />
                <test name="Legacy.Tests.ParserTests.ParsesNumbers" type="Legacy.Tests.ParserTests" method="ParsesNumbers" result="Fail" time="0.02">
                  <failure exception-type="Xunit.Sdk.EqualException">
                    <message>Assert.Equal() Failure
            Expected: 42
            Actual:   24</message>
                    <stack-trace>   at Legacy.Tests.ParserTests.ParsesNumbers() in c:\\build\\Legacy.Tests\\ParserTests.cs:line 18</stack-trace>
                  </failure>
                </test>
                <test name="Legacy.Tests.ParserTests.ParsesDates" type="Legacy.Tests.ParserTests" method="ParsesDates" result="Skip" time="0">
                  <reason><message>culture-dependent</message></reason>
                </test>
                <test time="0.01">
                  <failure><message>no name, no type, no result</message></failure>
                </test>
              </class>
            </assembly>
            """)
            let run = try Reports.read(path)
            #expect(run.sources.map(\.format) == [.xunit])
            #expect(run.totals == Totals(tests: 4, passed: 1, failed: 2, errored: 0, skipped: 1))
            #expect(run.failures.map(\.id) == ["Legacy.Tests.ParserTests::ParsesNumbers",
                                               "Legacy.Tests.ParserTests::(unnamed)"])
            #expect(run.failures[0].file == "c:\\build\\Legacy.Tests\\ParserTests.cs")
            #expect(run.failures[0].line == 18)
            #expect(run.failures[1].message == "no name, no type, no result")
            #expect(run.warnings.contains { $0.contains("unknown result (none)") })
            #expect(run.warnings.contains { $0.contains("no type attribute") })
        }
    }

    // MARK: TRX

    @Test func trxDefinitionsAfterResultsAndDataDrivenRows() async throws {
        try await withTemporaryDirectory("trx-after") { dir in
            let path = try writeReport(dir, "results.trx", """
            <?xml version="1.0" encoding="utf-8"?>
            <TestRun id="8d5c1a36-0000-4000-8000-000000000001" name="ci@runner 2026-11-21 10:00:00" runUser="ci" xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
              <Times creation="2026-11-21T10:00:00.0000000+00:00" queuing="2026-11-21T10:00:00.0000000+00:00" start="2026-11-21T10:00:00.0000000+00:00" finish="2026-11-21T10:00:05.0000000+00:00" />
              <TestSettings name="default" id="00000000-0000-4000-8000-0000000000aa"><Deployment runDeploymentRoot="ci_runner_2026-11-21_10_00_00" /></TestSettings>
              <Results>
                <UnitTestResult executionId="e1" testId="t-adds" testName="Adds" computerName="runner" duration="00:00:00.0010000" outcome="Passed" testListId="l1" />
                <UnitTestResult executionId="e2" testId="t-divides" testName="Divides" computerName="runner" duration="00:00:00.0200000" outcome="Failed" testListId="l1">
                  <Output>
                    <StdOut>dividing 6 by 2</StdOut>
                    <ErrorInfo>
                      <Message>Assert.AreEqual failed. Expected:&lt;2&gt;. Actual:&lt;3&gt;. </Message>
                      <StackTrace>   at Calc.Tests.MathTests.Divides() in /src/Calc.Tests/MathTests.cs:line 42
            </StackTrace>
                    </ErrorInfo>
                  </Output>
                </UnitTestResult>
                <UnitTestResult executionId="e3" testId="t-rows" testName="AddsRows" computerName="runner" duration="00:00:00.0300000" outcome="Failed" testListId="l1" resultType="DataDrivenTest">
                  <InnerResults>
                    <UnitTestResult executionId="e3a" parentExecutionId="e3" testId="t-rows" testName="AddsRows (1,1,2)" outcome="Passed" resultType="DataDrivenDataRow" dataRowInfo="1" />
                    <UnitTestResult executionId="e3b" parentExecutionId="e3" testId="t-rows" testName="AddsRows (2,2,5)" outcome="Failed" resultType="DataDrivenDataRow" dataRowInfo="2">
                      <Output><ErrorInfo>
                        <Message>Assert.AreEqual failed. Expected:&lt;5&gt;. Actual:&lt;4&gt;. </Message>
                        <StackTrace>   at Calc.Tests.MathTests.AddsRows(Int32 a, Int32 b, Int32 sum) in /src/Calc.Tests/MathTests.cs:line 58</StackTrace>
                      </ErrorInfo></Output>
                    </UnitTestResult>
                    <UnitTestResult executionId="e3c" parentExecutionId="e3" testId="t-rows" testName="AddsRows (3,3,6)" outcome="Passed" resultType="DataDrivenDataRow" dataRowInfo="3" />
                  </InnerResults>
                </UnitTestResult>
                <UnitTestResult executionId="e4" testId="t-slow" testName="Slow" computerName="runner" duration="00:00:10" outcome="Timeout" testListId="l1" />
                <UnitTestResult executionId="e5" testId="t-later" testName="Later" computerName="runner" outcome="NotExecuted" testListId="l1">
                  <Output><ErrorInfo><Message>not yet</Message></ErrorInfo></Output>
                </UnitTestResult>
              </Results>
              <TestDefinitions>
                <UnitTest name="Adds" storage="/src/calc.tests/bin/debug/net8.0/calc.tests.dll" id="t-adds">
                  <Execution id="e1" />
                  <TestMethod codeBase="/src/Calc.Tests/bin/Debug/net8.0/Calc.Tests.dll" adapterTypeName="executor://mstestadapter/v2" className="Calc.Tests.MathTests" name="Adds" />
                </UnitTest>
                <UnitTest name="Divides" storage="/src/calc.tests/bin/debug/net8.0/calc.tests.dll" id="t-divides">
                  <Execution id="e2" />
                  <TestMethod codeBase="/src/Calc.Tests/bin/Debug/net8.0/Calc.Tests.dll" adapterTypeName="executor://mstestadapter/v2" className="Calc.Tests.MathTests" name="Divides" />
                </UnitTest>
                <UnitTest name="AddsRows" storage="/src/calc.tests/bin/debug/net8.0/calc.tests.dll" id="t-rows">
                  <Execution id="e3" />
                  <TestMethod codeBase="/src/Calc.Tests/bin/Debug/net8.0/Calc.Tests.dll" adapterTypeName="executor://mstestadapter/v2" className="Calc.Tests.MathTests" name="AddsRows" />
                </UnitTest>
                <UnitTest name="Slow" storage="/src/calc.tests/bin/debug/net8.0/calc.tests.dll" id="t-slow">
                  <Execution id="e4" />
                  <TestMethod codeBase="/src/Calc.Tests/bin/Debug/net8.0/Calc.Tests.dll" adapterTypeName="executor://mstestadapter/v2" className="Calc.Tests.SlowTests" name="Slow" />
                </UnitTest>
              </TestDefinitions>
              <TestEntries>
                <TestEntry testId="t-adds" executionId="e1" testListId="l1" />
              </TestEntries>
              <TestLists><TestList name="Results Not in a List" id="l1" /></TestLists>
              <ResultSummary outcome="Failed">
                <Counters total="7" executed="6" passed="3" failed="2" error="0" timeout="1" aborted="0" inconclusive="0" passedButRunAborted="0" notRunnable="0" notExecuted="1" disconnected="0" warning="0" completed="0" inProgress="0" pending="0" />
                <RunInfos>
                  <RunInfo computerName="runner" outcome="Error" timestamp="2026-11-21T10:00:05">
                    <Text>[MSTest] Calc.Tests.MathTests.Divides [FAIL]</Text>
                  </RunInfo>
                  <RunInfo computerName="runner" outcome="Error" timestamp="2026-11-21T10:00:05">
                    <Text>The active test run was aborted. Reason: Test host process crashed</Text>
                  </RunInfo>
                </RunInfos>
              </ResultSummary>
            </TestRun>
            """)
            let run = try Reports.read(path)
            #expect(run.sources.map(\.format) == [.trx])
            // The data-driven parent is not counted: its three rows are.
            #expect(run.totals == Totals(tests: 7, passed: 3, failed: 2, errored: 1, skipped: 1))
            #expect(run.failures.map(\.id) == ["Calc.Tests.MathTests::Divides", "Calc.Tests.MathTests::AddsRows (2,2,5)",
                                               "Calc.Tests.SlowTests::Slow"])
            #expect(run.failures.map(\.outcome) == [.failed, .failed, .errored])
            let divides = run.failures[0]
            #expect(divides.message == "Assert.AreEqual failed. Expected:<2>. Actual:<3>.")
            #expect(divides.file == "/src/Calc.Tests/MathTests.cs")
            #expect(divides.line == 42)
            #expect(divides.details == "at Calc.Tests.MathTests.Divides() in /src/Calc.Tests/MathTests.cs:line 42\n\nOutput:\ndividing 6 by 2")
            #expect(divides.framework == .dotnet)
            #expect(run.failures[1].message == "Assert.AreEqual failed. Expected:<5>. Actual:<4>.")
            #expect(run.failures[1].line == 58)
            #expect(run.failures[2].message == "outcome: Timeout")
            #expect(run.warnings == ["\(path): run message (Error): The active test run was aborted. Reason: Test host process crashed"])
        }
    }

    @Test func trxDefinitionsBeforeResultsAreFoundByASecondLook() async throws {
        try await withTemporaryDirectory("trx-before") { dir in
            let path = try writeReport(dir, "mstest.trx", """
            <?xml version="1.0" encoding="UTF-8"?>
            <TestRun id="a1" name="build 2015-10-24 04:18:59" runUser="BUILD\\ci" xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
              <ResultSummary outcome="Failed"><Counters total="3" executed="3" passed="1" failed="1" error="0" timeout="0" aborted="1" /></ResultSummary>
              <TestDefinitions>
                <UnitTest name="Reads" storage="c:\\build\\store.tests.dll" id="d-reads">
                  <Execution id="x1" />
                  <TestMethod codeBase="c:\\build\\Store.Tests.dll" adapterTypeName="Microsoft.VisualStudio.TestTools.TestTypes.Unit.UnitTestAdapter" className="Store.Tests.FileStoreTest, Store.Tests, Version=1.0.0.0, Culture=neutral, PublicKeyToken=null" name="Reads" />
                </UnitTest>
                <UnitTest name="Writes" storage="c:\\build\\store.tests.dll" id="d-writes">
                  <Execution id="x2" />
                  <TestMethod codeBase="c:\\build\\Store.Tests.dll" adapterTypeName="Microsoft.VisualStudio.TestTools.TestTypes.Unit.UnitTestAdapter" className="Store.Tests.FileStoreTest, Store.Tests, Version=1.0.0.0, Culture=neutral, PublicKeyToken=null" name="Writes" />
                </UnitTest>
                <UnitTest name="Locks" storage="c:\\build\\store.tests.dll" id="d-locks">
                  <Execution id="x3" />
                  <TestMethod codeBase="c:\\build\\Store.Tests.dll" adapterTypeName="Microsoft.VisualStudio.TestTools.TestTypes.Unit.UnitTestAdapter" className="Store.Tests.LockTest, Store.Tests, Version=1.0.0.0, Culture=neutral, PublicKeyToken=null" name="Locks" />
                </UnitTest>
              </TestDefinitions>
              <Results>
                <UnitTestResult executionId="x1" testId="d-reads" testName="Reads" outcome="Passed" />
                <UnitTestResult executionId="x2" testId="d-writes" testName="Writes" outcome="Failed">
                  <Output><ErrorInfo>
                    <Message>Test method Store.Tests.FileStoreTest.Writes threw exception: System.UnauthorizedAccessException: Access denied.</Message>
                    <StackTrace>    en Store.FileStore.Write(String path) en c:\\build\\Store\\FileStore.cs:línea 77
               en Store.Tests.FileStoreTest.Writes() en c:\\build\\Store.Tests\\FileStoreTest.cs:línea 31</StackTrace>
                  </ErrorInfo></Output>
                </UnitTestResult>
                <UnitTestResult executionId="x3" testId="d-locks" testName="Locks" outcome="Aborted" />
              </Results>
            </TestRun>
            """)
            let run = try Reports.read(path)
            #expect(run.totals == Totals(tests: 3, passed: 1, failed: 1, errored: 1, skipped: 0))
            #expect(run.failures.map(\.id) == ["Store.Tests.FileStoreTest::Writes", "Store.Tests.LockTest::Locks"])
            // A localized stack ("en … :línea 31"), the test's own frame.
            #expect(run.failures[0].file == "c:\\build\\Store.Tests\\FileStoreTest.cs")
            #expect(run.failures[0].line == 31)
            #expect(run.failures[1].outcome == .errored)
            #expect(run.warnings.isEmpty)
        }
    }

    @Test func trxWithoutDefinitionsOrAttributesStillReads() async throws {
        try await withTemporaryDirectory("trx-sparse") { dir in
            let path = try writeReport(dir, "sparse.trx", """
            <TestRun xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010"><Results>
            <UnitTestResult testName="Ns.Widget.Spins(speed: 2)" outcome="Failed"><Output><ErrorInfo><Message>too slow</Message></ErrorInfo></Output></UnitTestResult>
            <UnitTestResult testName="Ns.Widget.Stops"><Output><ErrorInfo><Message>stuck</Message></ErrorInfo></Output></UnitTestResult>
            <UnitTestResult testName="Ns.Widget.Starts" outcome="Passed"/>
            <UnitTestResult outcome="Bogus"/>
            </Results></TestRun>
            """)
            let run = try Reports.read(path)
            #expect(run.totals == Totals(tests: 4, passed: 2, failed: 2, errored: 0, skipped: 0))
            #expect(run.failures.map(\.id) == ["Ns.Widget::Spins(speed: 2)", "Ns.Widget::Stops"])
            #expect(run.failures.map(\.message) == ["too slow", "stuck"])
            #expect(run.warnings.contains { $0.contains("no class in <TestDefinitions>") })
            #expect(run.warnings.contains { $0.contains("unknown outcome (none)") })
            #expect(run.warnings.contains { $0.contains("unknown outcome \"Bogus\"") })
        }
    }

    // MARK: Robustness

    @Test func missingAttributesWarnNeverCrash() async throws {
        try await withTemporaryDirectory("nunit-sparse") { dir in
            let path = try writeReport(dir, "sparse.xml", """
            <test-run><test-suite name="Outer" fullname="Outer.Fixture">
              <test-case><failure><message>who am I</message></failure></test-case>
              <test-case result="Exploded" name="Odd"/>
              <test-case result="Exploded" name="OddWithFailure"><failure/></test-case>
              <test-case name="Passes" result="Passed"/>
            </test-suite></test-run>
            """)
            let run = try Reports.read(path)
            #expect(run.totals == Totals(tests: 4, passed: 2, failed: 2, errored: 0, skipped: 0))
            #expect(run.failures.map(\.id) == ["Outer.Fixture::(unnamed)", "Outer.Fixture::OddWithFailure"])
            #expect(run.failures[0].message == "who am I")
            #expect(run.warnings.contains { $0.contains("2 test case(s) with an unknown result result=\"Exploded\"") })
            #expect(run.warnings.contains { $0.contains("1 test case(s) have no name") })
        }
    }

    @Test func hugeStackTracesAndOutputStayBounded() async throws {
        try await withTemporaryDirectory("nunit-huge") { dir in
            let frame = "   at Big.Tests.HugeTests.Deep() in /src/Big.Tests/HugeTests.cs:line 9\n"
            let stack = String(repeating: frame, count: 20_000)  // about 1.4 MB
            let path = try writeReport(dir, "huge.xml", """
            <test-run><test-suite name="Big"><test-case name="Deep" classname="Big.Tests.HugeTests" methodname="Deep" result="Failed">
            <failure><message>\(String(repeating: "m", count: 100_000))</message><stack-trace>\(stack)</stack-trace></failure>
            <output>\(String(repeating: "printed line\n", count: 100_000))</output>
            </test-case></test-suite></test-run>
            """)
            let run = try Reports.read(path)
            let failure = try #require(run.failures.first)
            #expect(failure.message.count <= 2000)
            #expect(failure.details.utf8.count <= FailingTest.detailsLimit + 200)
            #expect(failure.details.contains("bytes cut"))
            #expect(failure.line == 9)
        }
    }

    @Test func externalEntitiesAreNeverExpanded() async throws {
        try await withTemporaryDirectory("nunit-xxe") { dir in
            let secretPath = try writeReport(dir, "secret.txt", "TOP-SECRET-TOKEN\n")
            let path = try writeReport(dir, "xxe.xml", """
            <?xml version="1.0" encoding="utf-8" standalone="no"?>
            <!DOCTYPE test [
              <!ENTITY xxe SYSTEM "file://\(secretPath)">
              <!ENTITY remote SYSTEM "http://127.0.0.1:9/never">
            ]>
            <test-results name="Tests.dll" total="2" failures="1">
              <test-suite name="Tests.dll" success="False"><results>
                <test-case name="Ns.Fixture.Leaks" executed="True" success="False">
                  <failure><message>&xxe;</message><stack-trace>&remote;</stack-trace></failure>
                </test-case>
                <test-case name="Ns.Fixture.Fine" executed="True" success="True" />
              </results></test-suite>
            </test-results>
            """)
            let run = try Reports.read(path)
            #expect(run.totals == Totals(tests: 2, passed: 1, failed: 1, errored: 0, skipped: 0))
            let failure = try #require(run.failures.first)
            #expect(failure.message == "&xxe;")
            #expect(failure.details == "&remote;")
            let everything = run.failures.map { "\($0.id) \($0.message) \($0.details)" }.joined() + run.warnings.joined()
            #expect(!everything.contains("TOP-SECRET-TOKEN"))
            #expect(run.warnings.contains { $0.contains("not expanded") })
        }
    }

    @Test func dotnetReportsWithAByteOrderMark() async throws {
        // dotnet writes TRX (and often NUnit/xUnit XML) with a UTF-8 byte order mark.
        try await withTemporaryDirectory("dotnet-bom") { dir in
            let trx = try writeReport(dir, "bom.trx", """
            <?xml version="1.0" encoding="utf-8"?>
            <TestRun xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010"><Results>
            <UnitTestResult testId="a" testName="Ns.C.Fails" outcome="Failed"><Output><ErrorInfo><Message>no</Message></ErrorInfo></Output></UnitTestResult>
            </Results><TestDefinitions><UnitTest id="a"><TestMethod className="Ns.C" name="Fails"/></UnitTest></TestDefinitions></TestRun>
            """, bom: true)
            let xunit = try writeReport(dir, "bom.xml", """
            <?xml version="1.0" encoding="utf-8"?>
            <assemblies><assembly name="a.dll"><collection name="c"><test name="Ns.C.Passes" type="Ns.C" method="Passes" result="Pass"/></collection></assembly></assemblies>
            """, bom: true)
            // Every .NET tool writes a byte order mark: it is not text before the root.
            let run = try Reports.read([trx, xunit])
            #expect(run.sources.map(\.format) == [.trx, .xunit])
            #expect(run.totals == Totals(tests: 2, passed: 1, failed: 1, errored: 0, skipped: 0))
            #expect(run.failures.map(\.id) == ["Ns.C::Fails"])
        }
    }

    // MARK: Names and stacks

    @Test func qualifiedNamesSplitOutsideBrackets() {
        #expect(DotNetNames.splitLast("Ns.Class.Method")! == ("Ns.Class", "Method"))
        #expect(DotNetNames.splitLast("Ns.Class.Method(1.5,\"a.b\")")! == ("Ns.Class", "Method(1.5,\"a.b\")"))
        #expect(DotNetNames.splitLast("Ns.Generic<Double>(11.5d).Test1")! == ("Ns.Generic<Double>(11.5d)", "Test1"))
        #expect(DotNetNames.splitLast("Ns.C.M(\"it's. fine\")")! == ("Ns.C", "M(\"it's. fine\")"))
        #expect(DotNetNames.splitLast("Standalone") == nil)
        #expect(DotNetNames.splitLast("a sentence. with a dot") == nil)
        #expect(DotNetNames.splitLast("collection1\\test.xml") == nil)
        #expect(DotNetNames.splitLast("[Cleanup (Ns.C.M)]") == nil)
        #expect(DotNetNames.methodName("Ns.C.IsEven(value: 3)") == "IsEven")
        #expect(DotNetNames.strip("Ns.C", from: "Ns.C.IsEven(value: 3)") == "IsEven(value: 3)")
        #expect(DotNetNames.strip("Ns.C", from: "Ns.Cx.M") == "Ns.Cx.M")
        #expect(TRXReader.bareClassName("Ns.C`1[[System.Int32, mscorlib]], Asm, Version=1.0.0.0") == "Ns.C`1[[System.Int32, mscorlib]]")
    }

    @Test func stackFramesInEveryShape() {
        func frame(_ line: String) -> String? {
            DotNetNames.parseFrame(Substring(line)).map { "\($0.method) @ \($0.file):\($0.line)" }
        }
        #expect(frame("   at Ns.C.M(Int32 a) in C:\\src\\C.cs:line 42") == "Ns.C.M @ C:\\src\\C.cs:42")
        #expect(frame("at Ns.C.M () [0x00000] in /home/me/src/C.cs:121") == "Ns.C.M @ /home/me/src/C.cs:121")
        #expect(frame("   en Ns.C.M() en E:\\TMC\\C.cs:línea 199") == "Ns.C.M @ E:\\TMC\\C.cs:199")
        #expect(frame("   bei Ns.C.M() in D:\\Mein Projekt\\C.cs:Zeile 7") == "Ns.C.M @ D:\\Mein Projekt\\C.cs:7")
        #expect(frame("   at Ns.C.<M>d__3.MoveNext() in /src/C.cs:line 5") == "Ns.C.<M>d__3.MoveNext @ /src/C.cs:5")
        #expect(frame("   at System.Number.ThrowFormatException()") == nil)
        #expect(frame("   at [testClass].Fail() in [fileLocation]:line #") == nil)
        #expect(frame("--- End of stack trace from previous location ---") == nil)
        let stack = "   at Lib.F() in /src/Lib.cs:line 3\r\n   at Ns.Tests.T.M() in /src/T.cs:line 9\r\n"
        func located(_ className: String, _ method: String) -> String? {
            DotNetNames.location(in: stack, className: className, method: method).map { "\($0.file):\($0.line)" }
        }
        #expect(located("Ns.Tests.T", "M") == "/src/T.cs:9")
        #expect(located("Other", "X") == "/src/Lib.cs:3")
        #expect(DotNetNames.location(in: "no frames here", className: nil, method: nil) == nil)
    }
}
