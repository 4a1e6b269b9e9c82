import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { members, parseXml, path, textAt, XmlParseError } from "./xml.ts";

Deno.test("parseXml reads an STS answer with prolog, namespace, entities and CDATA", () => {
  const root = parseXml(`<?xml version="1.0" encoding="UTF-8"?>
<!-- a comment -->
<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <SourceIdentity>a&amp;b &lt;c&gt; &#65;&#x42; &quot;q&quot; &apos;</SourceIdentity>
    <AssumedRoleUser><Arn><![CDATA[arn:aws:sts::1:assumed-role/r/<s>]]></Arn></AssumedRoleUser>
    <Empty/>
  </AssumeRoleResult>
</AssumeRoleResponse>`);
  assertEquals(root.name, "AssumeRoleResponse");
  assertEquals(root.attributes.xmlns, "https://sts.amazonaws.com/doc/2011-06-15/");
  assertEquals(textAt(root, "AssumeRoleResult", "SourceIdentity"), `a&b <c> AB "q" '`);
  assertEquals(
    textAt(root, "AssumeRoleResult", "AssumedRoleUser", "Arn"),
    "arn:aws:sts::1:assumed-role/r/<s>",
  );
  assertEquals(path(root, "AssumeRoleResult", "Empty")?.children, []);
  assertEquals(textAt(root, "AssumeRoleResult", "Missing"), "");
});

Deno.test("parseXml: lists of members and namespace prefixes", () => {
  const root = parseXml(
    `<x:R xmlns:x="urn:x"><x:L><member><Id>1</Id></member><member><Id>2</Id></member></x:L></x:R>`,
  );
  assertEquals(members(path(root, "L")).map((m) => textAt(m, "Id")), ["1", "2"]);
});

Deno.test("parseXml rejects malformed documents", () => {
  for (
    const bad of ["", "<a>", "<a></b>", "<a/><b/>", "text<a/>", "<a><![CDATA[x</a>", "<a b=c/>"]
  ) {
    assertThrows(() => parseXml(bad), XmlParseError);
  }
});
