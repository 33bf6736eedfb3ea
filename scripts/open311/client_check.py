"""Drives a running Datong server with two Open311 client libraries from PyPI.

Usage: python client_check.py BASE_URL API_KEY LAT LON
Prints one JSON object (the ids filed and what each client read back); exits non-zero,
with the reason on stderr, when a client fails or reads something it should not.
"""
import json
import sys

from civicbot.http import HttpTransport, RateLimiter
from civicbot.open311 import CONFIRM_TOKEN, Open311Client
from civicbot.registry import Endpoint
from georeport import GeoReport


def check(cond, what):
    if not cond:
        sys.exit(f"open311 client check failed: {what}")


def main():
    base, key, lat, lon = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
    root = base.rstrip("/") + "/open311/v2"
    endpoint = Endpoint(id="datong", name="Datong", base_url=root, write=True)
    client = Open311Client(endpoint, transport=HttpTransport(rate_limiter=RateLimiter(min_interval=0)))

    services = client.list_services()
    codes = [s["service_code"] for s in services]
    check("sanitation" in codes, f"services: {codes}")
    definition = client.get_service_definition("sanitation")
    check(definition.get("service_code") == "sanitation", f"definition: {definition}")

    filed = []
    for code in ("sanitation", "noise"):
        prepared = client.create_request(
            code, dry_run=False, confirm=CONFIRM_TOKEN, api_key=key, validate_remote=True,
            lat=lat, lng=lon, description=f"经 Open311 客户端提交：{code}",
            first_name="三", last_name="张", phone="13800138000", email="zhang@example.cn",
        )
        answer = prepared.response
        check(isinstance(answer, list) and answer and answer[0].get("service_request_id"), f"create: {answer}")
        filed.append((answer[0]["service_request_id"], answer[0].get("token")))

    first, token = filed[0]
    one = client.get_request(first)
    check(one and one["service_request_id"] == first and one["status"] == "open", f"get: {one}")
    listed = client.list_requests(service_request_ids=[i for i, _ in filed])
    check(sorted(r["service_request_id"] for r in listed) == sorted(i for i, _ in filed), f"list: {listed}")
    by_token = client.get_token(token)
    check(by_token[0]["service_request_id"] == first, f"token: {by_token}")

    xml = GeoReport(root, output_format="xml")
    xml_services = xml.get_service_list()
    check(any(s["service_code"] == "noise" for s in xml_services), f"xml services: {xml_services}")
    xml_definition = xml.get_service_definition("noise")
    check(xml_definition["service_code"] == "noise", f"xml definition: {xml_definition}")
    xml_one = xml.get_service_request(first)
    check(xml_one["service_request_id"] == first and xml_one["status"] == "open", f"xml request: {xml_one}")
    xml_open = xml.get_service_requests(status="open", service_code="noise")
    xml_open = xml_open if isinstance(xml_open, list) else [xml_open]
    check([r["service_request_id"] for r in xml_open] == [filed[1][0]], f"xml open noise: {xml_open}")
    js = GeoReport(root, output_format="json")
    js_all = js.get_service_requests(service_request_id=",".join(i for i, _ in filed))
    check(len(js_all) == 2, f"json requests: {js_all}")
    check(all("张" not in json.dumps(r, ensure_ascii=False) for r in js_all), "public reads carry no reporter")

    print(json.dumps({"filed": [i for i, _ in filed], "services": len(codes), "xml_services": len(xml_services)}))


if __name__ == "__main__":
    main()
