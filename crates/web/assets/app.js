// Progressive enhancement: pages are complete without this file. It draws the charts a
// page describes in data-chart (an ECharts option, built by the server), and runs the
// scope tree: children loaded when a node is opened, and a search by name, code or
// pinyin initials, both through the JSON API with the page's session cookie.
(function () {
  function draw(el, option) {
    var chart = echarts.init(el, null, { renderer: "canvas" });
    // Marked drawn once the first rendering, animation included, has finished.
    chart.on("finished", function () { el.setAttribute("data-drawn", "true"); });
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
    // A chart whose bars stand for lists: a click opens the list behind the bar.
    if (el.dataset.drill) {
      var keys = (el.dataset.drillKeys || "").split(",");
      chart.on("click", function (p) {
        if (keys[p.dataIndex]) location.href = el.dataset.drill + keys[p.dataIndex];
      });
    }
  }

  function drawCharts() {
    if (!window.echarts) return;
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      draw(el, JSON.parse(el.getAttribute("data-chart")));
    });
    // Charts whose data costs more than the page: fetched once the page is up.
    document.querySelectorAll("[data-chart-src]").forEach(function (el) {
      getJSON(el.getAttribute("data-chart-src")).then(function (option) { draw(el, option); });
    });
  }

  // The header's pending count, kept current without a reload: on load, every minute,
  // and whenever the tab comes back into view.
  function pendingBadge() {
    var badge = document.getElementById("pending-badge");
    if (!badge) return;
    function refresh() {
      getJSON("/api/v1/workbench/count").then(function (c) {
        badge.querySelector(".n").textContent = String(c.pending);
        badge.classList.toggle("late", c.overdue > 0);
        badge.setAttribute("data-pending", String(c.pending));
      }, function () {});
    }
    refresh();
    setInterval(refresh, 60000);
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) refresh();
    });
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); });
  }

  // Levels whose children are worth listing in a tree (households are many).
  var OPENABLE = { nation: 1, province: 1, city: 1, district: 1, street: 1, community: 1, grid: 1 };

  function node(t) {
    var li = document.createElement("li");
    li.dataset.code = t.code;
    if (OPENABLE[t.level]) {
      var toggle = document.createElement("button");
      toggle.type = "button";
      toggle.className = "toggle";
      toggle.textContent = "+";
      toggle.setAttribute("aria-expanded", "false");
      toggle.addEventListener("click", function () { openNode(li, toggle); });
      li.appendChild(toggle);
    }
    var a = document.createElement("a");
    a.href = "/t/" + t.code;
    a.textContent = t.name;
    li.appendChild(a);
    return li;
  }

  function openNode(li, toggle) {
    var open = toggle.getAttribute("aria-expanded") === "true";
    var list = li.querySelector(":scope > ul");
    if (open) {
      toggle.setAttribute("aria-expanded", "false");
      toggle.textContent = "+";
      if (list) list.hidden = true;
      return;
    }
    toggle.setAttribute("aria-expanded", "true");
    toggle.textContent = "−";
    if (list) { list.hidden = false; return; }
    list = document.createElement("ul");
    li.appendChild(list);
    getJSON("/api/v1/territories/" + li.dataset.code + "/children?limit=500").then(function (page) {
      page.items.forEach(function (t) { list.appendChild(node(t)); });
    });
  }

  function startTree() {
    var tree = document.getElementById("tree");
    if (!tree) return;
    var roots = document.getElementById("tree-roots");
    (tree.dataset.roots || "").split(",").filter(Boolean).forEach(function (code) {
      getJSON("/api/v1/territories/" + code).then(function (t) { roots.appendChild(node(t)); });
    });
    var input = document.getElementById("tree-search");
    var results = document.getElementById("tree-results");
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (!q) { results.hidden = true; results.innerHTML = ""; return; }
      timer = setTimeout(function () {
        getJSON("/api/v1/territories?limit=20&q=" + encodeURIComponent(q)).then(function (page) {
          if (input.value.trim() !== q) return;
          results.innerHTML = "";
          page.items.forEach(function (t) {
            var li = document.createElement("li");
            var a = document.createElement("a");
            a.href = "/t/" + t.code;
            a.textContent = t.name + " " + t.code;
            li.appendChild(a);
            results.appendChild(li);
          });
          results.hidden = false;
          results.dataset.query = q;
        });
      }, 200);
    });
  }

  // A tap on a community's map becomes a form's point (the SVG carries its Web Mercator
  // projection): on the residents' form the map is in the page, on the hotline form it is
  // fetched for the community or grid the clerk picked.
  function pointPicker(form, map) {
    map.addEventListener("click", function (ev) {
      var pt = map.createSVGPoint();
      pt.x = ev.clientX; pt.y = ev.clientY;
      var p = pt.matrixTransform(map.getScreenCTM().inverse());
      var scale = Math.pow(2, Number(map.dataset.zoom));
      var wx = (p.x + Number(map.dataset.left)) / scale, wy = (p.y + Number(map.dataset.top)) / scale;
      var lon = wx / 256 * 360 - 180;
      var lat = Math.atan(Math.sinh(Math.PI * (1 - 2 * wy / 256))) * 180 / Math.PI;
      // Which of the community's grids the tap is in, named before the form is sent; a
      // tap outside them sets no point (the server would refuse it).
      var picked = document.getElementById("picked");
      var grid = document.elementsFromPoint(ev.clientX, ev.clientY).filter(function (e) {
        return e.classList && e.classList.contains("grid");
      })[0];
      if (!grid) {
        form.elements.lat.value = ""; form.elements.lon.value = "";
        picked.textContent = picked.dataset.outside;
        return;
      }
      form.elements.lat.value = lat.toFixed(6);
      form.elements.lon.value = lon.toFixed(6);
      var pin = document.getElementById("pin");
      if (!pin) {
        pin = document.createElementNS("http://www.w3.org/2000/svg", "circle");
        pin.id = "pin"; pin.setAttribute("r", "9");
        map.appendChild(pin);
      }
      pin.setAttribute("cx", p.x); pin.setAttribute("cy", p.y);
      var community = map.querySelector("path.community title");
      picked.textContent = picked.dataset.chosen + (community ? community.textContent + " " : "") +
        grid.querySelector("title").textContent + "（" + lat.toFixed(5) + ", " + lon.toFixed(5) + "）";
      if (form.elements.building) form.elements.building.value = "";
    });
  }

  function startHotline() {
    var form = document.getElementById("hotline");
    var box = document.getElementById("pick-map");
    if (!form || !box) return;
    var place = form.elements.address_id;
    function load() {
      box.innerHTML = "";
      // Community codes have twelve digits, grids fifteen: above them there is no map.
      if (!place.value || place.value.length < 12) return;
      fetch("/t/" + place.value + "/pick-map", { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) {
          box.innerHTML = html;
          var map = box.querySelector("svg#map");
          if (map) pointPicker(form, map);
        });
    }
    place.addEventListener("change", function () {
      var picked = document.getElementById("picked");
      form.elements.lat.value = ""; form.elements.lon.value = "";
      picked.textContent = picked.dataset.empty;
      load();
    });
    load();
  }

  // The residents' form; the phone's own position can choose the community.
  function startReport() {
    var map = document.querySelector("#report-form svg#map");
    var form = document.getElementById("report-form");
    if (map && form) pointPicker(form, map);
    var locate = document.getElementById("locate");
    if (locate && navigator.geolocation) {
      locate.hidden = false;
      locate.addEventListener("click", function () {
        navigator.geolocation.getCurrentPosition(function (pos) {
          location.href = "/report?lat=" + pos.coords.latitude + "&lon=" + pos.coords.longitude;
        });
      });
    }
  }

  // A choropleth: a click on an area names it, gives its figure and links to its page.
  function startChoropleth() {
    var map = document.querySelector("svg#map.choropleth");
    var panel = document.getElementById("area-panel");
    if (!map || !panel) return;
    map.addEventListener("click", function (ev) {
      var area = ev.target.closest("path.area");
      if (!area) return;
      var on = map.querySelector("path.area.on");
      if (on) on.classList.remove("on");
      area.classList.add("on");
      panel.textContent = "";
      var name = document.createElement("strong");
      name.textContent = area.dataset.name;
      var figure = document.createElement("span");
      figure.textContent = " " + map.getAttribute("aria-label") + " " + area.dataset.value + " ";
      var link = document.createElement("a");
      link.href = "/t/" + area.dataset.code;
      link.textContent = panel.dataset.open;
      panel.append(name, figure, link);
    });
  }

  // A place picker (select.picker): a search box above it keeps the places whose name holds
  // the text or whose pinyin initials start with it, and chooses the first of them.
  function startPickers() {
    document.querySelectorAll("select.picker").forEach(function (select) {
      var search = document.createElement("input");
      search.type = "search";
      search.className = "picker-search";
      search.placeholder = select.dataset.search || "";
      search.setAttribute("aria-label", select.dataset.search || "");
      select.parentNode.insertBefore(search, select);
      search.addEventListener("input", function () {
        var q = search.value.trim().toLowerCase();
        var first = null;
        Array.prototype.forEach.call(select.options, function (o) {
          if (!o.value) return;
          var hit = !q || o.textContent.toLowerCase().indexOf(q) >= 0 ||
            (o.dataset.initials || "").indexOf(q) === 0;
          o.hidden = !hit;
          if (hit && !first) first = o;
        });
        if (q && first && select.value !== first.value) {
          select.value = first.value;
          select.dispatchEvent(new Event("change"));
        }
      });
    });
  }

  // On a phone the scope tree waits in its drawer, and each table cell carries its
  // column's name, for the stylesheet's cards.
  function startPhone() {
    var drawer = document.getElementById("tree-drawer");
    if (drawer && window.matchMedia("(max-width: 760px)").matches) drawer.open = false;
    document.querySelectorAll(".table-wrap table").forEach(function (table) {
      var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
        return th.textContent.trim();
      });
      table.querySelectorAll("tbody tr").forEach(function (tr) {
        Array.prototype.forEach.call(tr.children, function (td, i) {
          if (heads[i] && td.colSpan === 1) td.setAttribute("data-label", heads[i]);
        });
      });
    });
  }

  function start() { startPhone(); drawCharts(); startTree(); startReport(); startHotline(); startChoropleth(); startPickers(); pendingBadge(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
