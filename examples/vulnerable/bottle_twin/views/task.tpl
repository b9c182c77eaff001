<!doctype html>
<html>
<head><title>Task {{task_id}}</title></head>
<body>
  <h1>{{!title}}</h1><!-- planted: V15 -->
  <p>{{!description}}</p>
</body>
</html>
