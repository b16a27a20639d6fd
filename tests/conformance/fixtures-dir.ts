// The conformance suites' name for the one fixture locator (tests/helpers/fixtures.ts).
export { FIXTURES, HAVE_FIXTURES, MUST_RUN, SKIP_FIXTURES, fixture, skipFixtures } from "../helpers/fixtures.js";
